"""Every problem code the roster stage reports, with its severity and Chinese message, in one place.

`OTHER_CODES` explains the codes raised outside the roster stage (scores, frames, write-ups,
issued bulletins), and `explanation` says what any code means, for the data-quality pages and
the user guide.

Codes are stable: tests, problem lists sent to counties and the internal data-quality page refer to
them. `E-` codes are errors (they stop the build), `W-` codes are warnings. Messages are
`str.format` templates; `{column}` and `{value}` are always available, other fields are named in
the comment of each code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.common.problems import Problem, Severity


@dataclass(frozen=True)
class Code:
    """A problem code: its stable name, severity and message template."""

    name: str
    severity: Severity
    template: str

    def problem(
        self,
        file: str,
        row: int | None,
        column: str = "",
        value: object = "",
        county: tuple[str, str] = ("", ""),
        label: str | None = None,
        **fields: object,
    ) -> Problem:
        """Make a Problem of this code; `fields` fill the message template.

        `column` is the header as written in the file; `label` (default: the same) is how the
        message names the column, so an English header still gets a Chinese message.
        """
        text = "" if value is None else str(value)
        if len(text) > MAX_SHOWN:  # a pasted blob is named, not copied into every list
            text = text[: MAX_SHOWN - 1] + "…"
        message = self.template.format(column=label or column, value=text, **fields)
        return Problem(
            file=file,
            row=row,
            column=column,
            code=self.name,
            severity=self.severity,
            value=text,
            message=message,
            county=county[0],
            county_name=county[1],
        )


CODES: dict[str, Code] = {}

#: The longest value a problem shows; longer cell texts are cut with an ellipsis.
MAX_SHOWN = 100


def _code(name: str, template: str) -> Code:
    severity: Severity = "error" if name.startswith("E-") else "warning"
    code = Code(name, severity, template)
    CODES[name] = code
    return code


#: How an explanation names the parts of a problem message that differ from row to row.
_CODE_FIELDS = {
    "column": "列名",
    "value": "所填的值",
    "allowed": "允许的层级",
    "bound": "允许范围",
    "cadence": "月度或季度",
    "chain": "循环的单位",
    "child": "该单位",
    "choices": "规定的选项",
    "count": "个数",
    "detail": "原因",
    "employees": "职工人数",
    "end": "报告期末",
    "example": "示例",
    "expected": "应有的值",
    "first": "另一列",
    "hired": "上岗日期",
    "length": "字数",
    "level": "层级",
    "limit": "上限",
    "migrant_workers": "农民工人数",
    "minimum": "规定人数",
    "name": "名称",
    "other": "另一个文件",
    "previous": "上期",
    "rows": "行号",
    "title": "名册",
    "total": "合计数",
    "before": "上期家数",
    "dispatch_workers": "劳务派遣工人数",
    "files": "文件",
    "names": "几个县市区",
    "now": "本期家数",
    "period": "报告期",
    "places": "各处的文件和行号",
    "sheets": "文件中的各工作表",
    "source": "沿用的报告期",
    "year": "年度",
    "weekday": "几",
    "holiday": "节假日名称",
    "years": "年份",
    "deadline": "算出的整改日期",
    "message": "缺少哪些记录、怎样恢复",
    "why": "依据（carry 的决定或设置）",
    "enterprise": "企业名称",
    "unit_name": "单位名称",
    "own": "报来文件的县市区",
    "other_county": "另一个县市区",
    "counted": "本期计入何处",
    "member": "成员单位",
    "file": "收到的文件",
    "sent": "通报所属的报告期",
    "take": "收取的命令：bulletin fetch（设置了收件邮箱时）或 bulletin intake",
    "periods": "哪几期",
    "whole": "本级（全省或全国）",
}
#: Codes raised outside the roster stage, which has its own message for each code.
OTHER_CODES = {
    "W-SCORE-NULL": "某单位缺少综合得分的一项指标（如没有下达年度新建会目标，或本期没有存续企业），"
    "该项无法计算：同组各单位都缺少时，得分不计此项、按其余指标折算为百分制；只有个别单位缺少时，"
    "该单位本期不参加排名（未排名）。请补充目标或核对台账。",
    "W-FRAME-MISSING": "本期还没有通报框架（content/bulletins/ 下的前言、主送和日期），通报按默认标题生成。",
    "W-CONTENT-UNKNOWN-KEY": "稿件或页面开头的设置中有不认识的项目，该项不起作用：请核对拼写。",
    "E-CONTENT-FRONT-MATTER": "稿件开头的设置（--- 之间的部分）格式有误：请按示例改正。",
    "E-CONTENT-FIELD": "稿件开头的某项设置缺失或取值不对（如日期、单位代码、类别）：请改正。",
    "E-CONTENT-IMAGE": "稿件引用的图片不存在或不是图片文件：请放入图片或改正文件名。",
    "E-CONTENT-TOO-LARGE": "稿件或图片文件过大：请压缩后重新放入。",
    "E-CONTENT-TOO-DEEP": "稿件中嵌套（列表、引用）层数过多：请简化格式。",
    "E-CONTENT-OUTSIDE": "稿件引用了 content/ 目录以外的文件：图片请放在 content/ 下。",
    "W-CONTENT-REMOTE-IMAGE": "稿件正文中的网络图片不会显示（网站和 PDF 不加载外部内容）："
    "请把图片放进 content/ 目录，写相对路径。",
    "W-ISSUED-CHANGED": "已印发一期的数据改动后，某单位的某项数字与印发时不同（列出单位、指标、印发时的数值和现在的数值）："
    "已印发的通报和文件不变，下一期通报附“更正说明”。",
    "E-CONTENT-ENCODING": "稿件不是 UTF-8 或 GB18030 编码的文字文件：请另存为 UTF-8。",
    "W-CONTENT-DEADLINE": "通报框架中写的报送期限或整改期限与 bulletin.yml 的 report_deadline、"
    "rectify_days 不一致，而通报正文按后者判断和写日期：请把框架改为一致。",
    "W-JUDGMENT-UNDECIDED": "某单位缺少评价规则所需的数据（如上年末会员数），该规则对它不起作用，"
    "通报中也不写这项数字：请补上相应的台账。",
}


def explanation(code: str) -> str:
    """Say in Chinese what a problem code means and how to fix it (data-quality page, guide).

    Roster codes are explained by their own message, with the parts that differ from row to row
    named in 〈〉.
    """
    known = CODES.get(code)
    if known is not None:
        return re.sub(
            r"\{(\w+)[^}]*\}",
            lambda m: f"〈{_CODE_FIELDS.get(m.group(1), '…')}〉",
            known.template,
        )
    return OTHER_CODES.get(code, "（本代码暂无说明：详见问题清单中每一条的说明。）")


# --- files -------------------------------------------------------------------------------------
#: A file is neither UTF-8 nor GB18030.
E_ENCODING = _code(
    "E-ENCODING",
    "文件编码无法识别（既不是 UTF-8 也不是 GB18030/GBK）：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重新放入。",
)
#: Some cells of a mostly UTF-8 file hold bytes that are not UTF-8 (a pasted GBK line, or the
#: file was cut off in the middle of a character); they show as U+FFFD.
E_ENCODING_CELL = _code(
    "E-ENCODING-CELL",
    "这一格有无法按 UTF-8 读取的字节（显示为 �）：可能是从其他编码的文件粘贴来的文字，或文件不完整（被截断）。请改正这一格，或在 Excel 中重新另存为“CSV UTF-8（逗号分隔）”。",
)
#: A file without any content (0 bytes, only a BOM or white space, or an XLSX without cells).
E_FILE_EMPTY = _code(
    "E-FILE-EMPTY",
    "文件是空的，没有任何内容：请放入填好的名册（至少要有表头行）。",
)
#: A CSV quote that is never closed: the rest of the file was read as one cell.
E_CSV_QUOTE = _code(
    "E-CSV-QUOTE",
    '这一行有一个没有配对的英文双引号（"），从这里到文件末尾的内容都被读成了这一行的一个单元格：请删除多余的引号，或把整格内容用一对引号括起来。',
)
#: An XLSX formula cell without the value Excel stores beside it (written by another program).
E_FORMULA_NO_VALUE = _code(
    "E-FORMULA-NO-VALUE",
    "“{column}”这一格是公式，但文件中没有保存计算结果（文件不是用 Excel 保存的）：请用 Excel 打开后保存一次，或把公式改为数值。",
)
#: A cell longer than any real value (a paste gone wrong). Fields: length, limit.
E_CELL_TOO_LONG = _code(
    "E-CELL-TOO-LONG",
    "“{column}”这一格有 {length} 个字，超过了 {limit} 个字的上限，多半是粘贴出错：请改为正确的内容。",
)
#: A roster that must have rows has only its header.
E_NO_ROWS = _code(
    "E-NO-ROWS",
    "文件只有表头，没有任何数据行：请放入填好的{title}。",
)
#: A row repeating the header row (files pasted together); the row is skipped.
W_HEADER_REPEATED = _code(
    "W-HEADER-REPEATED",
    "这一行重复了表头（可能是把几个文件拼接在一起），已跳过，不作为数据：请删除这一行。",
)
#: A file cannot be opened or parsed at all. Fields: detail.
E_FILE_UNREADABLE = _code(
    "E-FILE-UNREADABLE",
    "无法读取此文件（{detail}）：请确认文件没有损坏、没有加密，并用 Excel 另存为 .xlsx 或 .csv。",
)
#: A file too large to read safely (a decompression bomb, a far cell, a giant line). Fields: detail.
E_FILE_TOO_LARGE = _code(
    "E-FILE-TOO-LARGE",
    "文件过大，没有读取（{detail}）：请检查文件是否正确；如是正常的台账，请删除多余的内容、另存后再放入。",
)
#: A roster is present both as .csv and .xlsx. Fields: other.
E_FILE_BOTH = _code(
    "E-FILE-BOTH",
    "同一名册同时存在 .csv 和 .xlsx 两个文件（另一个是 {other}）：请只保留其中一个。",
)
#: A roster that is not optional is missing. Fields: title.
E_FILE_MISSING = _code(
    "E-FILE-MISSING",
    "缺少{title}：请放入此文件（.csv 或 .xlsx 均可）。",
)
#: A period's year has no target in the targets roster (CONTRACT §2). Fields: year.
E_TARGETS_MISSING = _code(
    "E-TARGETS-MISSING",
    "{year}年已有报告期，但年度目标任务中没有 {year} 年的任何新建会目标（new_unions）："
    "新的一年开始了，请先在年度目标任务中填写各县市区的 {year} 年目标。",
)
#: No row of the sheet looks like the header row. Fields: expected.
E_HEADER_NOT_FOUND = _code(
    "E-HEADER-NOT-FOUND",
    "找不到表头行：前几行中没有一行包含规定的列名（例如 {expected}）。请检查表头文字；如果文字显示为乱码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx。",
)
#: A required column is absent from the header.
E_COLUMN_MISSING = _code(
    "E-COLUMN-MISSING",
    "缺少必填列“{column}”：请在表头中加上这一列并填写。",
)
#: Two headers map to the same column. Fields: first.
E_COLUMN_DUPLICATE = _code(
    "E-COLUMN-DUPLICATE",
    "列“{column}”与列“{first}”是同一项内容，重复出现：请删除其中一列。",
)
#: A header the contract does not know; its column is ignored.
W_UNKNOWN_COLUMN = _code(
    "W-UNKNOWN-COLUMN",
    "不认识的列“{column}”，该列不参与统计。如是规定的列，请按模板改正列名。",
)
#: A 合计/小计/总计 row differs from the sum of the rows it covers. Fields: total, expected.
E_TOTAL_MISMATCH = _code(
    "E-TOTAL-MISMATCH",
    "合计行的“{column}”为 {total}，但其上各行相加为 {expected}：请核对是否漏填、重复或合计未更新。",
)
#: A folder under data/ that is not a period of the project's cadence. Fields: cadence.
E_PERIOD_FOLDER = _code(
    "E-PERIOD-FOLDER",
    "目录名“{value}”不是{cadence}报告期：请按 {example} 的格式命名本期数据目录。",
)
#: A folder named almost like a period (full-width digits, spaces, a line break).
E_PERIOD_NAME = _code(
    "E-PERIOD-NAME",
    "目录名“{value}”像是报告期，但不是规范写法，没有读取：报告期目录名只能是半角数字的 2026-10 或 2026-Q3 格式"
    "（不能有全角数字、空格或换行），请改名。",
)
#: A folder under data/ that is not named like a period; it is ignored.
W_FOLDER_IGNORED = _code(
    "W-FOLDER-IGNORED",
    "目录“{value}”不是报告期目录（应为 2026-10 或 2026-Q3 格式），其中的文件未被读取。",
)

#: A spreadsheet in a period folder in which no sheet is the ledger. Fields: sheets, expected.
E_LEDGER_NOT_FOUND = _code(
    "E-LEDGER-NOT-FOUND",
    "报告期目录中的这个文件里没有企业建会台账：{sheets}中都找不到台账的表头（应有 {expected} 等列）。"
    "如是放错的文件，请移出报告期目录；如是台账，请检查表头文字。",
)
#: A spreadsheet in a roster folder in which no sheet is the roster. Fields: title, sheets, expected.
E_ROSTER_NOT_FOUND = _code(
    "E-ROSTER-NOT-FOUND",
    "名册目录中的这个文件里没有{title}：{sheets}中都找不到表头（应有 {expected} 等列）。"
    "如是放错的文件，请移出目录；如是名册，请检查表头文字。",
)
#: A file in a period folder that is not a spreadsheet; it is not read.
W_FILE_IGNORED = _code(
    "W-FILE-IGNORED",
    "报告期目录中的这个文件不是表格文件（.xlsx、.xls、.ods 或 .csv），没有读取：如是台账，请另存为 .xlsx；否则请移出报告期目录。",
)
#: A workbook in a period or roster folder under a lock file's or a hidden name; not read.
W_FILE_HIDDEN = _code(
    "W-FILE-HIDDEN",
    "这个文件是表格文件，但文件名像 Excel、WPS 的临时文件或隐藏文件（以 ~$、.~lock 或 . 开头），"
    "没有读取：如是县市区报来的台账，请用 bulletin intake 收取（会存为正式的文件名）；否则请移出这个目录。",
)
#: A county without any row in a period. Fields: name, period, take (take_in_command).
E_COUNTY_NOT_REPORTED = _code(
    "E-COUNTY-NOT-REPORTED",
    "{name}在 {period} 期没有报送企业建会台账（报告期目录的所有文件中都没有该县市区的企业）："
    "收到后请用 {take}收取；"
    "如确定不等{name}报送、本期沿用其上期数据，请运行 bulletin carry {period} {name}。",
)


def take_in_command(period: str, mailbox: bool) -> str:
    """How the office takes a county's ledger in (E-COUNTY-NOT-REPORTED): `fetch` first when
    the project has its mailbox set up (the counties mail their ledgers), `intake` otherwise."""
    intake = f'bulletin intake {period} 文件 --received "收到时间"'
    if not mailbox:
        return f"{intake} "  # before 收取: a command is set apart from the words after it
    return f"bulletin fetch {period}（从收件邮箱收取邮件报来的台账）或 {intake}（其他途径报来的）"


#: A county whose period rows are carried from an earlier period (bulletin carry, or the
#: deprecated unreported: previous). Fields: name, period, source, why.
W_COUNTY_CARRIED = _code(
    "W-COUNTY-CARRIED",
    "{name}在 {period} 期没有报送台账，{why}沿用了 {source} 期的数据（通报中注明“未按时报送（沿用上期数据）”）。",
)
#: bulletin.yml says `unreported: previous` (deprecated, CONTRACT 1.2). Fields: none.
W_UNREPORTED_SETTING = _code(
    "W-UNREPORTED-SETTING",
    "bulletin.yml 中的 unreported: previous 对所有县市区、所有报告期都生效：任何一个县市区哪一期没有报送，"
    "都会悄悄沿用上期数据。此设置将在下一版本取消：请删去这一行，遇到确实不能报送的县市区时，"
    "对该县市区和该期运行 bulletin carry 报告期 县市区（例如 bulletin carry 2026-10 乙区）。",
)
#: A county's rows identical to its rows of an earlier period, not confirmed by the office.
#: Fields: name, previous, files, period.
E_LEDGER_STALE = _code(
    "E-LEDGER-STALE",
    "{name}本期的台账（{files}）与 {previous} 期的完全相同（同样的企业、同样的数字）："
    "很可能是把旧台账又报了一次。请向{name}核实并收取本期的台账；如确实没有任何变化，"
    "请运行 bulletin confirm-unchanged {period} {name} 确认。",
)
#: A ledger file of the period without a recorded receipt time (placed by hand). Fields: name,
#: period.
W_RECEIPT_MISSING = _code(
    "W-RECEIPT-MISSING",
    "收到时间未登记，无法判断{name}是否按时报送：请运行 "
    'bulletin received {period} {name} "YYYY-MM-DD HH:MM" 登记实际收到的时间。',
)
#: A county that lost more than a fifth of its active enterprises. Fields: name, before, now, previous.
W_COUNTY_SHRANK = _code(
    "W-COUNTY-SHRANK",
    "{name}本期台账有存续企业 {now} 家，比 {previous} 期的 {before} 家少了五分之一以上："
    "请确认是否漏报（例如只放入了部分文件，或复制粘贴时漏掉了一部分行）；缺少的企业另行逐一列出。",
)
#: A period folder without any spreadsheet: a new period before any county's file was taken
#: in. Fields: period, example (an intake command), names (the counties not reported),
#: previous (the period before it, to build until then).
E_PERIOD_EMPTY = _code(
    "E-PERIOD-EMPTY",
    "{period} 期还没有收到任何县市区的台账。各县市区报来的工作簿不用改名、不用合并，收到一份收一份："
    "用 bulletin intake 收取，例如 {example}（--received 写文件实际到达的时间）；"
    "设置了收件邮箱的，用 bulletin fetch {period} 从邮箱收取。还没有报送的县市区：{names}。"
    "收齐之前要生成以前各期（如 {previous} 期），生成时指定报告期 {previous}。",
)

# --- values ------------------------------------------------------------------------------------
#: A required cell is empty (or —, -, /, 无).
E_REQUIRED = _code("E-REQUIRED", "“{column}”必须填写，此处为空。")
#: Not a whole number.
E_INT = _code(
    "E-INT", "“{column}”应为整数（如 25），而“{value}”不是整数：请只填数字，不要写小数或文字。"
)
#: Not a number.
E_NUMBER = _code("E-NUMBER", "“{column}”应为数字（如 85.5），而“{value}”不是数字。")
#: Not a rate.
E_RATE = _code("E-RATE", "“{column}”应为百分比（如 85% 或 0.85），而“{value}”无法识别。")
#: Not a yes/no value.
E_BOOL = _code("E-BOOL", "“{column}”应填“是”或“否”，而不是“{value}”。")
#: Not a date.
E_DATE = _code(
    "E-DATE", "“{column}”应为日期（如 2026-03-05 或 2026年3月5日），而“{value}”无法识别为日期。"
)
#: Not one of the allowed values. Fields: choices.
E_ENUM = _code("E-ENUM", "“{column}”只能填 {choices} 之一，而不是“{value}”。")
#: A category column's value that is none of the listed ones (3.7). Fields: choices, counted.
W_CATEGORY_UNLISTED = _code(
    "W-CATEGORY-UNLISTED",
    "“{column}”应填 {choices} 之一，“{value}”不是，{counted}：请改为所列的一种。",
)
#: Outside the allowed range. Fields: bound.
E_RANGE = _code("E-RANGE", "“{column}”的值 {value} 超出允许范围（{bound}）。")
#: A value that must be unique appears more than once. Fields: rows.
E_DUPLICATE = _code(
    "E-DUPLICATE", "“{column}”为“{value}”的记录重复出现（第 {rows} 行）：每条只能填写一次。"
)
#: The same record (by its key columns) appears twice in a roster where that is unexpected. Fields: rows.
W_DUPLICATE_ROW = _code(
    "W-DUPLICATE-ROW", "“{value}”重复出现（第 {rows} 行）：请确认是否重复填报。"
)

#: The same enterprise in two files of a period (not registered: E-DUPLICATE). Fields: places.
E_DUPLICATE_FILES = Code(
    "E-DUPLICATE",
    "error",
    "统一社会信用代码“{value}”在本期的多个文件中都出现了（{places}）：同一企业只能填报一次。"
    "如是同一县市区的新旧两个文件，请用 bulletin intake --replace 重新收取新文件（旧文件移到 .replaced/，不会删除）；否则请核对由哪个县市区填报，删除多余的一行。",
)

#: The same record in two files of a roster folder (not registered: E-DUPLICATE). Fields: places.
E_DUPLICATE_PLACES = Code(
    "E-DUPLICATE",
    "error",
    "“{column}”为“{value}”的记录在多个文件中重复出现（{places}）：每条只能填写一次，请删除多余的一行。",
)
#: A roster both as a file and as a folder (not registered: E-FILE-BOTH). Fields: other.
E_FILE_AND_FOLDER = Code(
    "E-FILE-BOTH",
    "error",
    "同一名册既有文件又有同名目录（{other}）：请只保留一种——一个文件，或目录中每个县市区一个文件。",
)

# --- unified social credit codes ---------------------------------------------------------------
#: Wrong length or characters.
E_USCC_FORMAT = _code(
    "E-USCC-FORMAT",
    "统一社会信用代码“{value}”格式不对：应为 18 位，由数字和大写字母组成（不含 I、O、Z、S、V）。",
)
#: Wrong check character. Fields: expected.
E_USCC_CHECKSUM = _code(
    "E-USCC-CHECKSUM",
    "统一社会信用代码“{value}”的校验位不对（按前 17 位计算应为“{expected}”）：请对照营业执照核对是否抄错。",
)
#: Excel turned the code into a number in scientific notation.
E_USCC_SCIENTIFIC = _code(
    "E-USCC-SCIENTIFIC",
    "统一社会信用代码被 Excel 变成了科学计数法“{value}”，原代码已丢失：请把这一列设置为“文本”格式，再重新录入各企业的代码。",
)

# --- row rules ---------------------------------------------------------------------------------
#: migrant_workers > employees. Fields: employees.
E_MIGRANT_EXCEEDS = _code(
    "E-MIGRANT-EXCEEDS", "农民工人数 {value} 大于职工人数 {employees}：请核对。"
)
#: dispatch_workers > employees. Fields: employees.
E_DISPATCH_EXCEEDS = _code(
    "E-DISPATCH-EXCEEDS", "劳务派遣工人数 {value} 大于职工人数 {employees}：请核对。"
)
#: members > employees. Fields: employees.
W_MEMBERS_EXCEED = _code(
    "W-MEMBERS-EXCEED", "会员人数 {value} 大于职工人数 {employees}：请确认是否填错。"
)
#: migrant_members > migrant_workers. Fields: migrant_workers.
W_MIGRANT_MEMBERS_EXCEED = _code(
    "W-MIGRANT-MEMBERS-EXCEED",
    "农民工会员人数 {value} 大于农民工人数 {migrant_workers}：请确认是否填错。",
)
#: dispatch_members > dispatch_workers. Fields: dispatch_workers.
W_DISPATCH_MEMBERS_EXCEED = _code(
    "W-DISPATCH-MEMBERS-EXCEED",
    "劳务派遣工会员人数 {value} 大于劳务派遣工人数 {dispatch_workers}：请确认是否填错。",
)
#: Unionized without union_date.
E_UNION_DATE_REQUIRED = _code(
    "E-UNION-DATE-REQUIRED", "已建会的企业必须填写“{column}”：请补填建会日期。"
)
#: union_date after the end of the period. Fields: end.
E_UNION_DATE_FUTURE = _code(
    "E-UNION-DATE-FUTURE",
    "建会日期 {value} 晚于本报告期末（{end}）：请核对日期，未来日期不能计入。",
)
#: Unionized without members.
E_MEMBERS_REQUIRED = _code("E-MEMBERS-REQUIRED", "已建会的企业必须填写“{column}”：请补填会员人数。")
#: A priority enterprise without not_unionized_reason. Fields: minimum.
W_REASON_MISSING = _code(
    "W-REASON-MISSING",
    "职工{minimum}人以上的未建会企业（重点企业）应填写“{column}”，以便销号跟踪。",
)
#: left_on before hired_on. Fields: hired.
E_LEFT_BEFORE_HIRED = _code(
    "E-LEFT-BEFORE-HIRED", "离岗日期 {value} 早于上岗日期 {hired}：请核对。"
)
#: 已命名 without named_on.
E_NAMED_ON_REQUIRED = _code(
    "E-NAMED-ON-REQUIRED", "状态为“已命名”的必须填写“{column}”：请补填命名日期。"
)
#: volunteer_required given for a unit that is not a township.
W_VOLUNTEER_REQUIRED_IGNORED = _code(
    "W-VOLUNTEER-REQUIRED-IGNORED",
    "“{column}”只对乡镇（街道）有效，此单位不是乡镇（街道），该值不起作用。",
)

# --- references and the unit hierarchy ---------------------------------------------------------
#: A unit code that is not in the unit roster.
E_UNIT_UNKNOWN = _code(
    "E-UNIT-UNKNOWN",
    "单位代码“{value}”不在单位名册（data/units）中：请核对代码，或先在单位名册中添加该单位。",
)
#: A unit of the wrong level for this roster. Fields: name, level, allowed.
E_UNIT_LEVEL = _code(
    "E-UNIT-LEVEL",
    "单位“{value}”（{name}）是{level}，此处只能填{allowed}的代码。",
)
#: A row of a county's file naming a unit of another county; counted in neither. Fields:
#: enterprise, unit_name, own (the file's county), other (the unit's county).
E_UNIT_OTHER_COUNTY = _code(
    "E-UNIT-OTHER-COUNTY",
    "企业“{enterprise}”的单位代码“{value}”是{other_county}的{unit_name}，而这个文件是{own}报来的："
    "这一行暂不计入任何县市区。请{own}核对：如是本县市区的企业，改为本县市区乡镇（街道）的代码；"
    "如确是{other_county}的企业，请从本文件删去这一行，由{other_county}填报。",
)
#: Not exactly one city in the unit roster. Fields: count.
E_UNITS_ROOT = _code(
    "E-UNITS-ROOT",
    "单位名册中应有且只有一个层级为“市”的单位，现有 {count} 个：请核对层级一列。",
)
#: A unit without a parent (other than the city).
E_UNIT_PARENT_REQUIRED = _code(
    "E-UNIT-PARENT-REQUIRED",
    "除市本级外，每个单位都必须填写“{column}”。",
)
#: A parent code that is not a unit.
E_UNIT_PARENT_UNKNOWN = _code(
    "E-UNIT-PARENT-UNKNOWN",
    "上级单位代码“{value}”不在单位名册中：请核对。",
)
#: A parent of the wrong level. Fields: level, expected.
E_UNIT_PARENT_LEVEL = _code(
    "E-UNIT-PARENT-LEVEL",
    "上级单位“{value}”是{level}，而{child}的上级应为{expected}。",
)
#: The parent chain loops back. Fields: chain.
E_UNIT_CYCLE = _code("E-UNIT-CYCLE", "上级单位形成了循环（{chain}）：请核对上级单位代码。")
#: A unit's name or email with a line break or another control character: it would break the
#: header of the mail that carries it. The value shows them as ␍ ␊ ␉ (or U+XXXX).
E_CONTROL_CHAR = _code(
    "E-CONTROL-CHAR",
    "“{column}”中有换行符或其他看不见的控制字符（显示为 ␍ ␊ 等）：“{value}”。名称和邮箱只能写在"
    "一行里，请在这一格中删去换行（Excel 中按 Alt+Enter 产生的换行）后重新保存。",
)
#: A bulletin frame whose 成文日期 is a Saturday or Sunday. Fields: weekday (六 or 日).
W_SIGNED_WEEKEND = _code(
    "W-SIGNED-WEEKEND",
    "成文日期 {value} 是星期{weekday}：请核对领导签发的日期。确是周末签发的可以不改。",
)
#: A folder issued/<period>/ that the register has no row of (a register restored from an older
#: backup). Value: the periods. Fields: message (made by generator.common.register.unregistered_message,
#: which names the folders and says how to restore the register).
E_ISSUED_UNREGISTERED = _code("E-ISSUED-UNREGISTERED", "印发登记簿缺少记录。{message}")
#: A review of a volunteer that is not in the volunteer roster.
E_VOLUNTEER_UNKNOWN = _code(
    "E-VOLUNTEER-UNKNOWN",
    "志愿者编号“{value}”不在志愿者名册（data/volunteers）中：请核对编号。",
)
#: A review of a 编号 that the county's volunteer roster does not have. Fields: name (county).
E_VOLUNTEER_NOT_IN_COUNTY = Code(
    "E-VOLUNTEER-UNKNOWN",
    "error",
    "志愿者编号“{value}”不在{name}的志愿者名册（data/volunteers）中：请核对编号。"
    "各县市区的志愿者各自编号，考核表中应填本县市区名册中的编号。",
)
#: A volunteer reviewed twice in a period (in one file or two). Fields: places.
E_REVIEW_TWICE = Code(
    "E-DUPLICATE",
    "error",
    "志愿者“{value}”本期的考核填了不止一次（{places}）：每位志愿者每期只考核一次，请删除多余的一行。",
)
#: A review of a 编号 used in several counties, without anything saying which. Fields: names.
E_VOLUNTEER_AMBIGUOUS = _code(
    "E-VOLUNTEER-AMBIGUOUS",
    "志愿者编号“{value}”在{names}的志愿者名册中都有，无法判断考核的是哪一位："
    "请在“所属单位代码”一列填写该志愿者所在县市区或乡镇（街道）的代码，"
    "或把考核表放在该县市区报来的台账工作簿中（“志愿者考核”工作表）。",
)
#: An enterprise of the previous snapshot absent from this one. Fields: name, previous.
W_ENT_MISSING = _code(
    "W-ENT-MISSING",
    "企业“{name}”（{value}）在 {previous} 期台账中有、本期台账中没有：如已注销、吊销或迁出，请保留该行并填写经营状态；如是漏报，请补上。",
)
#: A bulletin frame whose 成文日期 is a public holiday (春节 …, or a bulletin.yml holiday), not
#: a 调休 working day. Fields: holiday.
W_SIGNED_HOLIDAY = _code(
    "W-SIGNED-HOLIDAY",
    "成文日期 {value} 是放假日（{holiday}）：请核对领导签发的日期。确是放假日签发的可以不改。",
)
#: A rectification deadline counted through a year whose public holidays are not known (not
#: announced when this version was made, and not in bulletin.yml): counted Monday to Friday.
#: Fields: years, deadline.
W_CALENDAR_UNKNOWN = _code(
    "W-CALENDAR-UNKNOWN",
    "成文日期 {value} 起算的整改期限（{deadline}）涉及{years}年，程序不知道该年的法定节假日和"
    "调休安排，暂按周一至周五为工作日计算，期限可能落在假期中：请按国务院公布的放假安排，"
    "在 bulletin.yml 的 holidays（放假日期）和 workdays（调休上班日期）中填写该年的日期。",
)
#: An active enterprise unionised in the previous period's ledger (as corrected since) and not
#: unionised in this one: a union lost without a word, or a wrong cell. Fields: name, previous.
W_UNION_LOST = _code(
    "W-UNION-LOST",
    "企业“{name}”（{value}）在 {previous} 期台账中已建会，本期台账填的是未建会：请向县市区核实。"
    "如是填错，请改为已建会并填写建会日期；如工会确已撤销或合并，请在“未建会原因”中写明。",
)
#: An open inspection whose 整改期限 is no working day (a public holiday, a weekend that is no
#: 调休 working day): the signed bulletin prints it. Fields: holiday.
W_INSPECTION_DEADLINE_OFF = _code(
    "W-INSPECTION-DEADLINE-OFF",
    "整改期限 {value} 是{holiday}，不是工作日，通报的督查情况会照印这一日期：请与督查组核对。"
    "确定不改的可以不理会。",
)


# --- member bulletins: the level above (CONTRACT §7) ------------------------------------------
# A province (or the national federation) builds from its members' issued packages: each is the
# member's issued/<period>/ folder (or a .zip of it) saved into the upper level's data/<period>/.
# The problem's file is the package as saved there; its county the member it names.

#: A package that is not a member's issued package (no model/internal.json, unreadable JSON).
#: Fields: detail.
E_MEMBER_PACKAGE = _code(
    "E-MEMBER-PACKAGE",
    "“{value}”不是成员单位印发的通报包：{detail}。请成员单位把印发后的 issued/报告期/ 整个目录"
    "（或其 .zip 压缩包）原样发来，放进本期目录。",
)
#: A package of another period than the folder it was saved in. Fields: member, sent, period.
E_MEMBER_PERIOD = _code(
    "E-MEMBER-PERIOD",
    "“{value}”是{member}{sent}期的通报，不是本期（{period}）的：请把它移到 data/{sent}/，"
    "本期请{member}发来 {period} 期印发的通报包。",
)
#: A package of a unit that is not a member in units.csv. Fields: member (its code and name).
E_MEMBER_UNKNOWN = _code(
    "E-MEMBER-UNKNOWN",
    "“{value}”是{member}的通报，而{member}不在本级单位名册（data/units.csv）的成员中："
    "请核对是否放错了文件；确是新成员的，先在单位名册中添加。",
)
#: A package whose bulletin.json is not the one its register line vouches for. Fields: member,
#: period.
E_MEMBER_TAMPERED = _code(
    "E-MEMBER-TAMPERED",
    "“{value}”中{member}{period}期通报的数据（model/internal.json）与其印发登记（register.csv）的"
    " sha256 不符：文件在印发后被改动过或传送中损坏，不能采用。请{member}从其 issued/{period}/ "
    "重新发来原样的目录。",
)
#: A package without the register line of its bulletin.json: not issued. Fields: member, period.
E_MEMBER_NOT_ISSUED = _code(
    "E-MEMBER-NOT-ISSUED",
    "“{value}”中{member}{period}期的通报没有印发登记（register.csv 中没有 model/internal.json "
    "这一行）：只能采用印发后的通报。请{member}先运行 bulletin issue {period}，"
    "再把 issued/{period}/ 整个目录发来。",
)
#: A package of the public model: it lacks the counts the level above needs. Fields: member.
E_MEMBER_AUDIENCE = _code(
    "E-MEMBER-AUDIENCE",
    "“{value}”是{member}的公开版通报数据，缺少本级汇总所需的内部数字：请{member}发来"
    " issued/报告期/ 整个目录（其中的 model/internal.json）。",
)
#: Two packages of one member in one period. Fields: member, other (the other package).
E_MEMBER_TWICE = _code(
    "E-MEMBER-TWICE",
    "{member}本期的通报包收到了两份（“{value}”和“{other}”）：每个成员每期只采用一份，"
    "请删去多余的一份。",
)
#: A member without a package in the period. Fields: member, period, example (an intake
#: command for its package).
E_MEMBER_MISSING = _code(
    "E-MEMBER-MISSING",
    "没有收到{member}{period}期印发的通报包：本级的数字是各成员之和，缺一个成员就不完整。"
    "请向{member}催报，收到后用 bulletin intake 收取，例如 {example}"
    "（--received 写通报包实际收到的时间，如邮件的收到时间）；"
    "不要手工放进 data/{period}/：那样没有收到时间，无法判断是否按时报送。",
)
#: A members roster (units.csv of a province or national project) whose rows are not one
#: root and its members. Fields: expected.
E_MEMBER_ROSTER = _code(
    "E-MEMBER-ROSTER",
    "单位名册中“{value}”的层级或上级单位不对：本级项目的名册第一行是本级（不填上级单位代码），"
    "其余每行是一个成员（{expected}），上级单位代码填本级的代码。",
)
#: A member whose packages of a year do not give its members gained this year (it lacks its
#: previous year's end): the level's own sum, and its new-members target's completion, are not
#: stated. Fields: member, periods, year, whole (the level's own total: 全省).
W_MEMBER_YEAR_END = _code(
    "W-MEMBER-YEAR-END",
    "{member}{periods}的通报中没有本年新增会员数（{member}没有{year}年末的会员人数）：{whole}的"
    "本年新增会员数和新增会员目标的完成率、进度是各成员之和，缺一个成员就无法计算，通报中不写。"
    "请{member}补上其{year}年末的台账。",
)

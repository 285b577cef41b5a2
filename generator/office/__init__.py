"""The office's commands beside the pipeline: intake, issue, send, the record."""

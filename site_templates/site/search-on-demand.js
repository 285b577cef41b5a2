/* The search index (some hundreds of KB) and the search worker loaded when search is first
 * used, not with every page.
 *
 * Material asks for search/search_index.json and starts its search worker as soon as a page
 * opens. Loaded before Material's scripts, this holds that request back until the reader
 * opens or focuses the search box (or arrives from a search result, whose words the page
 * highlights), and starts the worker when Material first sends it a message (once the index
 * has arrived). Opened from file://, Material reads the index from search/search_index.js
 * when search is opened; the worker started here is then file-worker.js's.
 */
(function () {
  "use strict";
  var wanted = false;
  var waiting = [];

  function want() {
    if (wanted) return;
    wanted = true;
    var queued = waiting.splice(0);
    for (var i = 0; i < queued.length; i++) queued[i]();
  }

  // Arriving from a search result (?h=words): the page marks the words, which needs the index.
  if (/[?&]h=/.test(location.search)) wanted = true;

  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.__searchIndex = /(^|\/)search\/search_index\.json([?#]|$)/.test(String(url));
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (this.__searchIndex && !wanted) {
      var request = this;
      var args = arguments;
      waiting.push(function () { send.apply(request, args); });
      return undefined;
    }
    return send.apply(this, arguments);
  };

  // The worker, made when Material first posts to it: the events it listens to are passed on.
  var Started = window.Worker;
  function OnDemandWorker(url, options) {
    this._url = url;
    this._options = options;
    this._worker = null;
    this._listeners = [];
    this.onmessage = null;
    this.onerror = null;
  }
  OnDemandWorker.prototype._start = function () {
    if (this._worker) return this._worker;
    var self = this;
    var Real = Started;
    var worker = this._options === undefined ? new Real(this._url) : new Real(this._url, this._options);
    this._worker = worker;
    for (var i = 0; i < this._listeners.length; i++) {
      worker.addEventListener(this._listeners[i][0], this._listeners[i][1]);
    }
    worker.addEventListener("message", function (event) {
      if (typeof self.onmessage === "function") self.onmessage(event);
    });
    worker.addEventListener("error", function (event) {
      if (typeof self.onerror === "function") self.onerror(event);
    });
    return worker;
  };
  OnDemandWorker.prototype.postMessage = function () {
    var worker = this._start();
    return worker.postMessage.apply(worker, arguments);
  };
  OnDemandWorker.prototype.addEventListener = function (type, handler) {
    this._listeners.push([type, handler]);
    if (this._worker) this._worker.addEventListener(type, handler);
  };
  OnDemandWorker.prototype.removeEventListener = function (type, handler) {
    this._listeners = this._listeners.filter(function (l) {
      return !(l[0] === type && l[1] === handler);
    });
    if (this._worker) this._worker.removeEventListener(type, handler);
  };
  OnDemandWorker.prototype.terminate = function () {
    if (this._worker) this._worker.terminate();
  };
  if (typeof Started === "function") window.Worker = OnDemandWorker;

  // First use: the box focused (a click, a tap, or the keys / s f), or the search opened.
  document.addEventListener("focusin", function (event) {
    var box = event.target;
    if (box && box.matches && box.matches("input.md-search__input")) want();
  }, true);
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "__search" && event.target.checked) want();
  }, true);
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest('label[for="__search"], .md-search')) want();
  }, true);
})();

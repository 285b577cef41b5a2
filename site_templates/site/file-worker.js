/* Search for a site opened from the file system (file://).
 *
 * Browsers refuse to start web workers from file: URLs, so Material's search worker runs in a
 * hidden iframe instead, given the worker functions it uses (postMessage, importScripts and
 * message events). Material looks for window.IFrameWorker to find its scripts from there, and
 * reads the search index from search/search_index.js. Over http(s) this script does nothing.
 */
(function () {
  "use strict";
  if (location.protocol !== "file:") return;

  function load(doc, src) {
    return new Promise(function (resolve, reject) {
      var script = doc.createElement("script");
      script.src = src;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("cannot load " + src)); };
      doc.head.appendChild(script);
    });
  }

  function IFrameWorker(url) {
    var worker = this;
    var src = new URL(url, location.href).href;
    this.onmessage = null;
    this.onerror = null;
    this._listeners = [];
    this._frame = document.createElement("iframe");
    this._frame.setAttribute("aria-hidden", "true");
    this._frame.tabIndex = -1;
    this._frame.style.display = "none";
    document.body.appendChild(this._frame);
    var scope = this._frame.contentWindow;
    var doc = this._frame.contentDocument;
    scope.postMessage = function (data) { worker._deliver(data); };
    scope.importScripts = function () {
      var urls = Array.prototype.slice.call(arguments);
      return urls.reduce(function (chain, next) {
        return chain.then(function () { return load(doc, new URL(next, src).href); });
      }, Promise.resolve());
    };
    this._scope = scope;
    this._ready = load(doc, src);
  }

  IFrameWorker.prototype.postMessage = function (data) {
    var scope = this._scope;
    this._ready.then(function () {
      scope.dispatchEvent(new scope.MessageEvent("message", { data: data }));
    });
  };

  IFrameWorker.prototype._deliver = function (data) {
    var event = new MessageEvent("message", { data: data });
    if (typeof this.onmessage === "function") this.onmessage(event);
    for (var i = 0; i < this._listeners.length; i++) {
      if (this._listeners[i].type === "message") this._listeners[i].handler.call(this, event);
    }
  };

  IFrameWorker.prototype.addEventListener = function (type, handler) {
    this._listeners.push({ type: type, handler: handler });
  };

  IFrameWorker.prototype.removeEventListener = function (type, handler) {
    this._listeners = this._listeners.filter(function (l) {
      return !(l.type === type && l.handler === handler);
    });
  };

  IFrameWorker.prototype.terminate = function () {
    this._frame.remove();
  };

  window.IFrameWorker = IFrameWorker;
  window.Worker = IFrameWorker;
})();

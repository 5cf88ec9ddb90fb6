(function () {
  var video = document.getElementById("player");
  if (!video) return;
  var plot = document.getElementById("plot-img"), head = document.getElementById("playhead");
  var problem = document.getElementById("player-error");
  function seek(t) {
    if (!isFinite(t) || t < 0) return;
    function go() { video.currentTime = isFinite(video.duration) ? Math.min(t, video.duration) : t; }
    if (video.readyState >= 1) go(); else video.addEventListener("loadedmetadata", go, { once: true });
  }
  function npt(text) {  // media fragment time: 32.5, 1:02.5, 0:01:02.5 or npt:32.5
    var parts = text.replace(/^npt:/, "").split(":"), t = 0;
    for (var i = 0; i < parts.length; i++) {
      if (!/^\d+(\.\d*)?$/.test(parts[i])) return NaN;
      t = t * 60 + parseFloat(parts[i]);
    }
    return t;
  }
  function fromHash() {  // page.html#t=32.5 (or #t=32.5,40: the start is used)
    var m = location.hash.match(/^#(?:.*&)?t=([^&,]*)/);
    if (m) seek(npt(decodeURIComponent(m[1])));
  }
  document.addEventListener("click", function (e) {
    var link = e.target.closest("a[data-t]");
    if (!link) return;
    e.preventDefault();
    var t = link.getAttribute("data-t");
    history.replaceState(null, "", "#t=" + t);
    seek(parseFloat(t));
    video.scrollIntoView({ block: "nearest" });
  });
  // the plot's time axis spans data-x0..data-x1 of the image's width (matplotlib's axes), from
  // 0 to data-duration seconds; measured on the image itself, inside its border
  function axis() {
    var x0 = parseFloat(plot.getAttribute("data-x0")), x1 = parseFloat(plot.getAttribute("data-x1"));
    return { x0: x0, x1: x1, w: plot.clientWidth, left: plot.clientLeft,
             duration: parseFloat(plot.getAttribute("data-duration")) };
  }
  if (plot) plot.addEventListener("click", function (e) {  // the time under the pointer
    var a = axis(), x = (e.clientX - plot.getBoundingClientRect().left - a.left) / a.w;
    if (x < a.x0 || x > a.x1) return;
    var t = (x - a.x0) / (a.x1 - a.x0) * a.duration;
    history.replaceState(null, "", "#t=" + t.toFixed(2));
    seek(t);
  });
  function moveHead() {
    if (!plot || !head) return;
    var a = axis(), f = Math.min(Math.max(video.currentTime / a.duration, 0), 1);
    head.style.left = (plot.offsetLeft + a.left + a.w * (a.x0 + f * (a.x1 - a.x0))) + "px";
    head.hidden = false;
  }
  video.addEventListener("timeupdate", moveHead);
  video.addEventListener("seeked", moveHead);
  window.addEventListener("resize", moveHead);
  function failed() {
    var codes = { 1: "aborted", 2: "network error", 3: "cannot decode", 4: "file missing or format not supported" };
    problem.textContent = "The browser cannot play " + video.getAttribute("data-path") + ": " +
      (codes[video.error && video.error.code] || "unknown error") +
      ". Browsers play MP4 (H.264, AAC), WebM (VP8, VP9, AV1, Opus); transcode other files, " +
      "e.g. ffmpeg -i in.avi -c:v libvpx-vp9 out.webm, and point --video-map at them.";
    problem.hidden = false;
  }
  video.addEventListener("error", failed);
  if (video.error) failed();
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();

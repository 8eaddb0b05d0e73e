// Measures a card rendered in the iframe `#card` and writes what it found,
// as JSON, into a `pre` element with id qb-fit (read back by tests/testsuite/anki.rs through
// Chromium's --dump-dom).
function measure(doc) {
  var w = doc.documentElement.clientWidth;
  var out = { width: w, page: doc.documentElement.scrollWidth, outside: [], scrolls: [] };
  doc.querySelectorAll("#qa *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > w + 0.5 || r.left < -0.5)) {
      out.outside.push(el.tagName + " " + Math.round(r.left) + ".." + Math.round(r.right));
    }
    var style = doc.defaultView.getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && style.overflowX != "visible") {
      out.scrolls.push(el.tagName);
    }
  });
  var view = doc.defaultView;
  var cells = doc.querySelectorAll("td[data-label]");
  out.labelled_cells = cells.length;
  out.labels_shown = 0;
  cells.forEach(function (td) {
    var c = view.getComputedStyle(td, "::before").content;
    if (c && c.indexOf(td.getAttribute("data-label")) >= 0) out.labels_shown++;
  });
  var head = doc.querySelector("thead");
  out.thead_display = head ? view.getComputedStyle(head).display : null;
  out.body_background = view.getComputedStyle(doc.body).backgroundColor;
  out.boxes = [];
  doc.querySelectorAll(".qb-answer").forEach(function (box) {
    out.boxes.push({
      class: box.className,
      edge: view.getComputedStyle(box).borderLeftColor,
      background: view.getComputedStyle(box).backgroundColor
    });
  });
  out.badges = [];
  doc.querySelectorAll(".qb-badge").forEach(function (b) {
    out.badges.push({ class: b.className, text: b.textContent, background: view.getComputedStyle(b).backgroundColor });
  });
  out.tables = [];
  doc.querySelectorAll("table").forEach(function (t) {
    out.tables.push({
      overflows: t.scrollWidth > t.clientWidth + 1,
      cue: view.getComputedStyle(t).backgroundImage.indexOf("radial-gradient") >= 0
    });
  });
  out.captions = [];
  doc.querySelectorAll(".qb-caption").forEach(function (c) {
    var img = c.previousElementSibling;
    out.captions.push({
      text: c.textContent,
      alt: img ? img.getAttribute("alt") : null,
      below: img ? c.getBoundingClientRect().top >= img.getBoundingClientRect().bottom - 0.5 : false,
      height: c.getBoundingClientRect().height
    });
  });
  return out;
}
var frame = document.getElementById("card");
// The page's load waits for the frame and its figures.
window.addEventListener("load", function () {
  var pre = document.createElement("pre");
  pre.id = "qb-fit";
  pre.textContent = JSON.stringify(measure(frame.contentDocument));
  document.body.appendChild(pre);
});

// Dashboard: while its figures are being computed in the background, reload every 3 seconds.
(function () {
  "use strict";
  if (!document.getElementById("figures-computing")) return;
  window.setTimeout(function () { window.location.reload(); }, 3000);
})();

/* A lecture's transcript: each timestamp plays the recording from that segment. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var player = document.getElementById("lecture-player");
    if (!player) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("button[data-start]"), function (button) {
      button.addEventListener("click", function () {
        player.currentTime = parseFloat(button.getAttribute("data-start")) || 0;
        var playing = player.play();
        if (playing && playing.catch) {
          playing.catch(function () { /* the browser refused to play: the player shows its own controls */ });
        }
      });
    });
  });
})();

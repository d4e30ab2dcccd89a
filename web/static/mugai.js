/* The quarantine console's only script (ES3/ES5, no library): the
   "select all" box of the list. The console works without it. */
(function () {
  function init() {
    var boxes = document.getElementsByTagName('input');
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].className !== 'select-all') continue;
      boxes[i].onclick = function () {
        var all = document.getElementsByTagName('input');
        for (var j = 0; j < all.length; j++)
          if (all[j].type === 'checkbox' && all[j].name === 'ids') all[j].checked = this.checked;
      };
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();

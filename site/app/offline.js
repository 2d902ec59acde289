// Opened from file://? Browsers refuse ES modules and fetch() there, so the viewer cannot start:
// show the page's #offline message (how to view the site offline) instead of an empty map.
// A classic, deferred script: it runs where modules cannot, before the module would.
(function () {
  'use strict';
  if (location.protocol !== 'file:') return;
  var message = document.getElementById('offline');
  if (!message) return;
  var style = message.style; // set from script: the CSP allows no inline style attribute
  style.position = 'fixed';
  style.inset = '0';
  style.zIndex = '1000';
  style.overflow = 'auto';
  style.padding = '2rem max(1rem, calc(50% - 22rem))';
  style.background = '#fff';
  style.color = '#222';
  style.font = '1rem/1.5 system-ui, sans-serif';
  message.hidden = false;
  document.body.classList.add('offline-file');
})();

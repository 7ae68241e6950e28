/*
 * Northwind Goods — the Sightline demo shop. Plain JS, no build step, no network.
 * Each page sets <body data-page="…">; the matching init function below runs on load.
 * Cart state lives in localStorage ("nw_cart": {productId: qty}).
 *
 * Planted UX problems (see the HTML comments next to each data-sl-zone element):
 *   product.html  [data-sl-zone="product-image"]  looks zoomable, clicks do nothing (dead clicks)
 *   product.html  [data-sl-zone="add-to-cart"]    2.5 s before any feedback (rage clicks)
 *   cart.html     [data-sl-zone="apply-coupon"]   throws a TypeError on click (error clicks)
 *   pricing.html  [data-sl-zone="primary-cta"]    the key CTA sits far below the fold (low exposure)
 *   checkout.html [data-sl-zone="checkout-form"]  "Security code" wants 6 digits, says nothing (abandonment)
 * And one control that works on every click: [data-sl-zone="qty-stepper"] (rage-click false positive).
 *
 * Zone elements carry no id or data-testid of their own, so the tracker's selector for them
 * (and for clicks inside them) is the zone itself: [data-sl-zone="add-to-cart"].
 */
(function () {
  'use strict';

  var PRODUCTS = [
    { id: 'trail-runner', name: 'Trail Runner', cat: 'shoes', price: 129, kind: 'sneaker', color: '#2f5d50', bg: '#e3efe9', rating: 4.7, reviews: 214, badge: 'New',
      blurb: 'A grippy, cushioned runner for gravel paths and city loops alike. Recycled mesh upper, natural rubber outsole.' },
    { id: 'city-sneaker', name: 'City Sneaker', cat: 'shoes', price: 99, kind: 'sneaker', color: '#d97742', bg: '#f6e6da', rating: 4.5, reviews: 512,
      blurb: 'Our everyday low-top in full-grain leather, with a cork footbed that shapes to you.' },
    { id: 'weekender-backpack', name: 'Weekender Backpack', cat: 'bags', price: 149, kind: 'backpack', color: '#3b4a6b', bg: '#e4e8f1', rating: 4.8, reviews: 189, badge: 'Bestseller',
      blurb: 'Carry-on sized, with a clamshell opening, padded 16" laptop sleeve and weatherproof waxed canvas.' },
    { id: 'market-tote', name: 'Market Tote', cat: 'bags', price: 59, kind: 'tote', color: '#b9824f', bg: '#f3eadf', rating: 4.4, reviews: 98,
      blurb: 'Heavyweight organic canvas with leather handles. Holds a week of groceries, folds flat.' },
    { id: 'field-watch', name: 'Field Watch', cat: 'accessories', price: 189, kind: 'watch', color: '#1c1f24', bg: '#ecebe6', rating: 4.6, reviews: 143,
      blurb: 'A 38 mm automatic with a sapphire crystal, 100 m water resistance and a vegetable-tanned strap.' },
    { id: 'harbor-sunglasses', name: 'Harbor Sunglasses', cat: 'accessories', price: 79, kind: 'glasses', color: '#6b3f2a', bg: '#f1e7e1', rating: 4.3, reviews: 76,
      blurb: 'Acetate frames with polarised, scratch-resistant lenses. Comes with a recycled-leather case.' },
    { id: 'canvas-cap', name: 'Canvas Cap', cat: 'accessories', price: 29, kind: 'cap', color: '#7a8b4f', bg: '#edf0e3', rating: 4.2, reviews: 61,
      blurb: 'Six-panel cap in washed canvas with a brass buckle. One size, adjustable.' },
    { id: 'slim-wallet', name: 'Slim Wallet', cat: 'accessories', price: 45, kind: 'wallet', color: '#8c3b3b', bg: '#f3e4e4', rating: 4.6, reviews: 120,
      blurb: 'Holds eight cards and folded notes in 6 mm of leather. RFID-blocking lining.' }
  ];
  var CATEGORIES = { all: 'All products', shoes: 'Shoes', bags: 'Bags', accessories: 'Accessories' };
  var FREE_SHIPPING_FROM = 100;
  var SHIPPING = 4.9;

  // ---------------------------------------------------------------------------------------
  // helpers
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function byId(id) { for (var i = 0; i < PRODUCTS.length; i++) if (PRODUCTS[i].id === id) return PRODUCTS[i]; return null; }
  function euro(n) { return '€' + n.toFixed(2).replace(/\.00$/, ''); }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function stars(r) { var full = Math.round(r); return '★★★★★'.slice(0, full) + '☆☆☆☆☆'.slice(0, 5 - full); }
  function track(name, props) { if (typeof window.sightline === 'function') window.sightline('track', name, props || {}); }

  /** Inline SVG product art: no image files, no network. */
  function art(p, color) {
    var c = color || p.color;
    var k = p.kind;
    var s = '<svg viewBox="0 0 200 200" role="img" aria-label="' + esc(p.name) + '" xmlns="http://www.w3.org/2000/svg">';
    s += '<ellipse cx="100" cy="' + (k === 'sneaker' ? 152 : 168) + '" rx="70" ry="8" fill="rgba(0,0,0,.08)"/>';
    if (k === 'sneaker') {
      s += '<path d="M28 128c0-16 10-26 22-30l34-10c8-2 14-10 18-18l6-10c4-4 10-4 14 0l10 14c6 8 16 12 26 14l14 3c10 2 18 10 18 20v17H28z" fill="' + c + '"/>';
      s += '<path d="M26 126h164c2 0 4 2 4 4v8c0 4-4 8-8 8H34c-6 0-10-4-10-8v-8c0-2 1-4 2-4z" fill="#f4f1ea" stroke="rgba(0,0,0,.15)"/>';
      s += '<path d="M96 84l10 8M104 76l10 8M112 69l10 8" stroke="#fff" stroke-width="4" stroke-linecap="round"/>';
      s += '<path d="M40 116h120" stroke="rgba(255,255,255,.35)" stroke-width="3"/>';
    } else if (k === 'backpack') {
      s += '<rect x="52" y="40" width="96" height="122" rx="26" fill="' + c + '"/>';
      s += '<path d="M78 42c0-16 10-22 22-22s22 6 22 22" fill="none" stroke="' + c + '" stroke-width="8"/>';
      s += '<rect x="66" y="98" width="68" height="48" rx="12" fill="rgba(255,255,255,.18)"/>';
      s += '<rect x="92" y="104" width="16" height="6" rx="3" fill="#e9c46a"/>';
      s += '<path d="M66 70h68" stroke="rgba(255,255,255,.25)" stroke-width="3"/>';
    } else if (k === 'tote') {
      s += '<path d="M74 74c0-24 10-38 26-38s26 14 26 38" fill="none" stroke="#6b4a2b" stroke-width="7"/>';
      s += '<path d="M46 72h108l-10 92H56z" fill="' + c + '"/>';
      s += '<path d="M60 92h80" stroke="rgba(255,255,255,.3)" stroke-width="3"/>';
      s += '<circle cx="100" cy="118" r="14" fill="rgba(255,255,255,.2)"/>';
    } else if (k === 'watch') {
      s += '<rect x="82" y="18" width="36" height="164" rx="12" fill="#8a6a4b"/>';
      s += '<circle cx="100" cy="100" r="44" fill="' + c + '"/>';
      s += '<circle cx="100" cy="100" r="36" fill="#f4f1ea"/>';
      s += '<path d="M100 100V74M100 100l16 10" stroke="' + c + '" stroke-width="4" stroke-linecap="round"/>';
      s += '<rect x="143" y="94" width="8" height="12" rx="2" fill="' + c + '"/>';
    } else if (k === 'glasses') {
      s += '<path d="M30 92h140" stroke="' + c + '" stroke-width="6" stroke-linecap="round"/>';
      s += '<rect x="30" y="86" width="60" height="46" rx="20" fill="' + c + '"/>';
      s += '<rect x="110" y="86" width="60" height="46" rx="20" fill="' + c + '"/>';
      s += '<rect x="37" y="93" width="46" height="32" rx="14" fill="#2d3a40" opacity=".85"/>';
      s += '<rect x="117" y="93" width="46" height="32" rx="14" fill="#2d3a40" opacity=".85"/>';
      s += '<path d="M44 100l12-4" stroke="#fff" stroke-width="3" opacity=".5" stroke-linecap="round"/>';
    } else if (k === 'cap') {
      s += '<path d="M40 124c0-42 26-66 60-66s60 24 60 66z" fill="' + c + '"/>';
      s += '<path d="M100 58v66M70 66c6 18 8 38 8 58M130 66c-6 18-8 38-8 58" stroke="rgba(0,0,0,.15)" stroke-width="2" fill="none"/>';
      s += '<path d="M110 124h64c4 0 6 6 2 8-18 10-48 12-66 8z" fill="' + c + '" stroke="rgba(0,0,0,.2)"/>';
      s += '<circle cx="100" cy="58" r="5" fill="rgba(0,0,0,.25)"/>';
    } else {
      s += '<rect x="42" y="62" width="116" height="84" rx="12" fill="' + c + '"/>';
      s += '<path d="M42 86h116" stroke="rgba(0,0,0,.2)" stroke-width="2"/>';
      s += '<rect x="58" y="52" width="70" height="24" rx="4" fill="#f4f1ea" transform="rotate(-6 93 64)"/>';
      s += '<path d="M50 70h100" stroke="rgba(255,255,255,.25)" stroke-width="2" stroke-dasharray="4 4"/>';
    }
    return s + '</svg>';
  }

  // ---------------------------------------------------------------------------------------
  // cart (localStorage)
  var CART_KEY = 'nw_cart';
  function readCart() {
    try { return JSON.parse(localStorage.getItem(CART_KEY) || '{}') || {}; } catch (e) { return {}; }
  }
  function writeCart(c) {
    try { localStorage.setItem(CART_KEY, JSON.stringify(c)); } catch (e) { /* storage off */ }
    renderCartCount(true);
  }
  function cartCount() { var c = readCart(), n = 0; for (var k in c) n += c[k]; return n; }
  function cartSubtotal() { var c = readCart(), t = 0; for (var k in c) { var p = byId(k); if (p) t += p.price * c[k]; } return t; }
  function shippingFor(sub) { return sub === 0 || sub >= FREE_SHIPPING_FROM ? 0 : SHIPPING; }
  function cartTotal() { var s = cartSubtotal(); return Math.round((s + shippingFor(s)) * 100) / 100; }
  function addToCart(id, qty) { var c = readCart(); c[id] = (c[id] || 0) + qty; writeCart(c); }

  function renderCartCount(bump) {
    var el = $('#cart-count');
    if (!el) return;
    el.textContent = String(cartCount());
    if (bump) { el.classList.remove('bump'); void el.offsetWidth; el.classList.add('bump'); }
  }

  var toastTimer = 0;
  function toast(html) {
    var t = $('#toast');
    if (!t) {
      t = document.createElement('div');
      t.id = 'toast';
      t.className = 'toast';
      t.setAttribute('role', 'status');
      document.body.appendChild(t);
    }
    t.innerHTML = html;
    t.classList.add('show');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.classList.remove('show'); }, 3500);
  }

  function card(p) {
    return '<a class="card" href="product.html?id=' + p.id + '" data-testid="product-card-' + p.id + '">' +
      '<div class="card-media" style="background:' + p.bg + '">' + (p.badge ? '<span class="badge">' + p.badge + '</span>' : '') + art(p) + '</div>' +
      '<div class="card-body"><span class="card-title">' + esc(p.name) + '</span>' +
      '<span class="card-meta"><span class="stars" aria-label="' + p.rating + ' stars">' + stars(p.rating) + '</span><span class="price">' + euro(p.price) + '</span></span></div></a>';
  }

  // ---------------------------------------------------------------------------------------
  // pages
  var pages = {};

  pages.home = function () {
    var grid = $('#featured-grid');
    if (grid) grid.innerHTML = [PRODUCTS[0], PRODUCTS[2], PRODUCTS[4], PRODUCTS[5]].map(card).join('');
    var hero = $('#hero-art');
    if (hero) hero.innerHTML = art(PRODUCTS[2]);
    var form = $('#newsletter-form');
    if (form) form.addEventListener('submit', function (e) {
      e.preventDefault();
      form.innerHTML = '<p style="margin:0;font-weight:600">Thanks! Check your inbox for 10% off.</p>';
      track('newsletter_signup');
    });
  };

  /** Category: tabs filter the grid in place and update the URL with history.pushState (SPA-style). */
  pages.category = function () {
    var grid = $('#product-grid');
    var title = $('#category-title');
    var count = $('#result-count');
    var sort = $('#sort');
    function current() {
      var c = new URLSearchParams(location.search).get('cat') || 'all';
      return CATEGORIES[c] ? c : 'all';
    }
    function render() {
      var cat = current();
      var list = PRODUCTS.filter(function (p) { return cat === 'all' || p.cat === cat; });
      if (sort.value === 'price-asc') list.sort(function (a, b) { return a.price - b.price; });
      if (sort.value === 'price-desc') list.sort(function (a, b) { return b.price - a.price; });
      if (sort.value === 'rating') list.sort(function (a, b) { return b.rating - a.rating; });
      grid.innerHTML = list.map(card).join('');
      title.textContent = CATEGORIES[cat];
      count.textContent = list.length + (list.length === 1 ? ' product' : ' products');
      document.title = CATEGORIES[cat] + ' · Northwind Goods';
      $all('.tab').forEach(function (t) { t.setAttribute('aria-selected', String(t.getAttribute('data-cat') === cat)); });
    }
    $all('.tab').forEach(function (t) {
      t.addEventListener('click', function () {
        var cat = t.getAttribute('data-cat');
        if (cat === current()) return;
        history.pushState({ cat: cat }, '', cat === 'all' ? 'category.html' : 'category.html?cat=' + cat);
        render();
      });
    });
    sort.addEventListener('change', render);
    window.addEventListener('popstate', render);
    render();
  };

  pages.product = function () {
    var p = byId(new URLSearchParams(location.search).get('id')) || PRODUCTS[0];
    var color = p.color;
    var qty = 1;
    var image = $('[data-sl-zone="product-image"]');
    document.title = p.name + ' · Northwind Goods';
    $('#product-name').textContent = p.name;
    $('#crumb-name').textContent = p.name;
    $('#crumb-cat').textContent = CATEGORIES[p.cat];
    $('#crumb-cat').setAttribute('href', 'category.html?cat=' + p.cat);
    $('#product-price').textContent = euro(p.price);
    $('#product-blurb').textContent = p.blurb;
    $('#product-rating').innerHTML = '<span class="stars">' + stars(p.rating) + '</span> ' + p.rating + ' · ' + p.reviews + ' reviews';
    function paint() {
      image.style.background = p.bg;
      image.innerHTML = art(p, color);
      $all('.thumb').forEach(function (t, i) { t.innerHTML = art(p, i === 0 ? color : i === 1 ? '#444' : '#9a9a9a'); });
    }
    paint();

    // Swatches and thumbnails work normally.
    var swatchColors = [p.color, '#1c1f24', '#c9c3b6'];
    $all('.swatch').forEach(function (s, i) {
      s.style.background = swatchColors[i];
      s.addEventListener('click', function () {
        color = swatchColors[i];
        $all('.swatch').forEach(function (o) { o.setAttribute('aria-pressed', String(o === s)); });
        $('#color-name').textContent = s.getAttribute('aria-label');
        paint();
      });
    });
    $all('.thumb').forEach(function (t) {
      t.addEventListener('click', function () {
        $all('.thumb').forEach(function (o) { o.setAttribute('aria-pressed', String(o === t)); });
      });
    });

    // PLANTED (dead clicks): the big image has cursor:pointer and a hover zoom (shop.css) but no
    // click handler at all: clicking it changes nothing.

    // Quantity stepper: every click visibly changes the number (rage-click false positive).
    var out = $('#qty');
    $('[data-sl-zone="qty-stepper"] .qty-dec').addEventListener('click', function () { qty = Math.max(1, qty - 1); out.textContent = String(qty); });
    $('[data-sl-zone="qty-stepper"] .qty-inc').addEventListener('click', function () { qty = Math.min(10, qty + 1); out.textContent = String(qty); });

    // PLANTED (rage clicks): "Add to cart" gives no feedback at all for 2.5 s: no spinner, no
    // disabled state, no DOM change. Only then does the cart count update and a toast show.
    $('[data-sl-zone="add-to-cart"]').addEventListener('click', function () {
      var n = qty;
      setTimeout(function () {
        addToCart(p.id, n);
        toast('Added ' + n + ' × ' + esc(p.name) + ' <a href="cart.html" data-testid="toast-view-cart">View cart</a>');
        track('add_to_cart', { product: p.id, qty: n, value: p.price * n, currency: 'EUR' });
      }, 2500);
    });
  };

  pages.cart = function () {
    var lines = $('#cart-lines');
    function render() {
      var c = readCart();
      var ids = Object.keys(c).filter(function (k) { return byId(k) && c[k] > 0; });
      if (!ids.length) {
        lines.innerHTML = '<div class="empty"><p>Your cart is empty.</p><a class="btn btn-outline" href="category.html" data-testid="empty-cart-shop">Browse products</a></div>';
      } else {
        lines.innerHTML = ids.map(function (id) {
          var p = byId(id);
          return '<div class="cart-line" data-testid="cart-line-' + id + '">' +
            '<div class="thumb-img" style="background:' + p.bg + '">' + art(p) + '</div>' +
            '<div><div class="card-title">' + esc(p.name) + '</div><div class="muted">' + euro(p.price) + ' · Qty ' + c[id] + '</div></div>' +
            '<div class="line-total price">' + euro(p.price * c[id]) + '</div>' +
            '<button class="link-btn remove" data-id="' + id + '" type="button">Remove</button></div>';
        }).join('');
      }
      var sub = cartSubtotal();
      var ship = shippingFor(sub);
      $('#subtotal').textContent = euro(sub);
      $('#shipping').textContent = ship ? euro(ship) : 'Free';
      $('#total').textContent = euro(cartTotal());
      $('#checkout-btn').classList.toggle('disabled', !ids.length);
    }
    lines.addEventListener('click', function (e) {
      var b = e.target.closest('.remove');
      if (!b) return;
      var c = readCart();
      delete c[b.getAttribute('data-id')];
      writeCart(c);
      render();
    });

    // PLANTED (error clicks): applying any coupon throws
    // "TypeError: Cannot read properties of undefined (reading 'percent')" — the rules table
    // was never loaded. Nothing visible happens for the user.
    $('[data-sl-zone="apply-coupon"]').addEventListener('click', function () {
      var code = $('#coupon-code').value.trim().toUpperCase();
      var rules = window.couponRules || {};
      var discount = rules[code].percent; // throws for every code
      $('#coupon-msg').textContent = discount + '% off applied';
    });
    render();
  };

  pages.checkout = function () {
    var sub = cartSubtotal();
    var ship = shippingFor(sub);
    $('#co-subtotal').textContent = euro(sub);
    $('#co-shipping').textContent = ship ? euro(ship) : 'Free';
    $('#co-total').textContent = euro(cartTotal());
    $('#co-items').textContent = cartCount() + ' items';
    var form = $('[data-sl-zone="checkout-form"]');
    // The browser's own validation blocks the submit while "Security code" has fewer than
    // 6 digits (pattern="\d{6}"): people type their 3-digit CVC and get only a generic
    // "match the requested format" bubble. Valid submissions land here.
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var total = cartTotal();
      var name = $('#full-name').value.trim().split(/\s+/)[0] || 'there';
      track('purchase', { revenue: total, currency: 'EUR', items: cartCount() });
      writeCart({});
      $('#checkout-panel').innerHTML =
        '<div class="thanks" data-testid="order-confirmation"><div class="check">✓</div>' +
        '<h2>Thank you, <span data-sl-mask>' + esc(name) + '</span>!</h2>' +
        '<p class="muted">Order <b>NW-' + Math.floor(100000 + Math.random() * 900000) + '</b> is confirmed. ' +
        'We charged ' + euro(total) + ' and will email your receipt.</p>' +
        '<a class="btn btn-outline" href="index.html" data-testid="back-home">Back to the shop</a></div>';
      $('#co-total').textContent = euro(total);
    });
  };

  pages.pricing = function () {
    var cta = $('[data-sl-zone="primary-cta"]');
    if (cta) cta.addEventListener('click', function () {
      track('trial_started', { plan: 'plus' });
      $('#trial-msg').textContent = 'Your 30-day Plus trial is active. Enjoy free shipping!';
      cta.textContent = 'Trial started ✓';
    });
  };

  // ---------------------------------------------------------------------------------------
  function start() {
    renderCartCount(false);
    $all('[data-art]').forEach(function (el) {
      var p = byId(el.getAttribute('data-art'));
      if (p) el.innerHTML = art(p);
    });
    var page = document.body.getAttribute('data-page');
    if (pages[page]) pages[page]();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();

  // for the console and tests
  window.NorthwindShop = { products: PRODUCTS, cartTotal: cartTotal, cartCount: cartCount, addToCart: addToCart };
})();

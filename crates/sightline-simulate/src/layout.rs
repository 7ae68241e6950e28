//! The demo shop's pages as the tracker sees them: the elements a visitor can click, with the
//! tracker's selectors (`web/tracker/src/selector.ts`: `#id`, `[data-testid]`, `[data-sl-zone]`,
//! else a short `tag.class` path), their text and href, and plausible boxes in page px for a
//! viewport width (demo/shop.css: a 1160 px container, one column at ≤ 860 px).

/// A product of demo/shop.js.
pub struct Product {
    pub id: &'static str,
    pub name: &'static str,
    pub cat: &'static str,
    pub price: f64,
    pub rating: f64,
    pub badge: Option<&'static str>,
    /// How often visitors look at it.
    pub popularity: f64,
}

const fn prod(
    id: &'static str,
    name: &'static str,
    cat: &'static str,
    price: f64,
    rating: f64,
    badge: Option<&'static str>,
    popularity: f64,
) -> Product {
    Product {
        id,
        name,
        cat,
        price,
        rating,
        badge,
        popularity,
    }
}

pub const PRODUCTS: [Product; 8] = [
    prod(
        "trail-runner",
        "Trail Runner",
        "shoes",
        129.0,
        4.7,
        Some("New"),
        0.20,
    ),
    prod(
        "city-sneaker",
        "City Sneaker",
        "shoes",
        99.0,
        4.5,
        None,
        0.17,
    ),
    prod(
        "weekender-backpack",
        "Weekender Backpack",
        "bags",
        149.0,
        4.8,
        Some("Bestseller"),
        0.16,
    ),
    prod("market-tote", "Market Tote", "bags", 59.0, 4.4, None, 0.10),
    prod(
        "field-watch",
        "Field Watch",
        "accessories",
        189.0,
        4.6,
        None,
        0.12,
    ),
    prod(
        "harbor-sunglasses",
        "Harbor Sunglasses",
        "accessories",
        79.0,
        4.3,
        None,
        0.09,
    ),
    prod(
        "canvas-cap",
        "Canvas Cap",
        "accessories",
        29.0,
        4.2,
        None,
        0.07,
    ),
    prod(
        "slim-wallet",
        "Slim Wallet",
        "accessories",
        45.0,
        4.6,
        None,
        0.09,
    ),
];
/// Featured on the home page (shop.js: PRODUCTS[0], [2], [4], [5]).
pub const FEATURED: [usize; 4] = [0, 2, 4, 5];
/// "You may also like" on every product page (static in product.html).
pub const RELATED: [usize; 3] = [3, 6, 7];
pub const FREE_SHIPPING_FROM: f64 = 100.0;
pub const SHIPPING: f64 = 4.9;

/// shop.js `euro()`: `€129`, `€4.90`.
pub fn euro(n: f64) -> String {
    let s = format!("{n:.2}");
    format!("€{}", s.strip_suffix(".00").unwrap_or(&s))
}

fn stars(r: f64) -> String {
    let full = r.round() as usize;
    "★".repeat(full) + &"☆".repeat(5 - full)
}

/// Category names of shop.js.
pub fn category_name(cat: &str) -> &'static str {
    match cat {
        "shoes" => "Shoes",
        "bags" => "Bags",
        "accessories" => "Accessories",
        _ => "All products",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Home,
    /// `None`: all products.
    Category(Option<&'static str>),
    Product(usize),
    Cart,
    Checkout,
    Pricing,
}

impl Page {
    pub fn file(&self) -> &'static str {
        match self {
            Page::Home => "index.html",
            Page::Category(_) => "category.html",
            Page::Product(_) => "product.html",
            Page::Cart => "cart.html",
            Page::Checkout => "checkout.html",
            Page::Pricing => "pricing.html",
        }
    }

    pub fn path(&self) -> String {
        format!("/demo/{}", self.file())
    }

    /// Relative link as written in the pages (`product.html?id=…`).
    pub fn link(&self) -> String {
        match self {
            Page::Category(Some(cat)) => format!("category.html?cat={cat}"),
            Page::Product(i) => format!("product.html?id={}", PRODUCTS[*i].id),
            p => p.file().to_string(),
        }
    }

    pub fn url(&self, base: &str) -> String {
        format!("{base}/demo/{}", self.link())
    }

    /// `document.title` when the tracker records the pageview. On a page load that is the
    /// static title (the tracker runs before shop.js renders); after history navigation the
    /// tracker re-reads it, so category tabs get the rendered one.
    pub fn title(&self, history_nav: bool) -> String {
        match self {
            Page::Home => "Northwind Goods — well-made everyday goods".into(),
            Page::Category(cat) if history_nav => {
                format!("{} · Northwind Goods", category_name(cat.unwrap_or("all")))
            }
            Page::Category(_) => "Shop all · Northwind Goods".into(),
            Page::Product(_) => "Product · Northwind Goods".into(),
            Page::Cart => "Your cart · Northwind Goods".into(),
            Page::Checkout => "Checkout · Northwind Goods".into(),
            Page::Pricing => "Northwind+ membership · Northwind Goods".into(),
        }
    }
}

/// One element of a page.
#[derive(Debug, Clone)]
pub struct El {
    /// Name used by the journeys (`"add-to-cart"`, `"card:trail-runner"`, …).
    pub key: String,
    /// The tracker's selector for it.
    pub sel: String,
    pub tag: &'static str,
    pub text: Option<String>,
    pub href: Option<String>,
    pub interactive: bool,
    /// Carries `data-sl-zone`.
    pub zone: bool,
    /// In the sticky header: moves down with the scroll position.
    pub sticky: bool,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl El {
    fn new(
        key: impl Into<String>,
        sel: impl Into<String>,
        tag: &'static str,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
    ) -> Self {
        El {
            key: key.into(),
            sel: sel.into(),
            tag,
            text: None,
            href: None,
            interactive: matches!(
                tag,
                "a" | "button" | "input" | "select" | "textarea" | "label" | "summary"
            ),
            zone: false,
            sticky: false,
            x: x.round(),
            y: y.round(),
            w: w.round(),
            h: h.round(),
        }
    }
    fn text(mut self, t: impl Into<String>) -> Self {
        self.text = Some(t.into());
        self
    }
    fn href(mut self, h: String) -> Self {
        self.href = Some(h);
        self
    }
    fn zone(mut self) -> Self {
        self.zone = true;
        self
    }

    /// Top of the element in page px when the page is scrolled to `scroll_y`.
    pub fn top_at(&self, scroll_y: f64) -> f64 {
        if self.sticky {
            self.y + (scroll_y - ANNOUNCE_H).max(0.0)
        } else {
            self.y
        }
    }
}

pub struct Layout {
    pub els: Vec<El>,
    /// Document height.
    pub dh: f64,
}

impl Layout {
    pub fn get(&self, key: &str) -> Option<&El> {
        self.els.iter().find(|e| e.key == key)
    }

    /// The boxes of a `layout` event: `[data-sl-zone]` elements first, then interactive ones.
    pub fn zones(&self) -> impl Iterator<Item = &El> {
        let zones = self.els.iter().filter(|e| e.zone);
        let rest = self.els.iter().filter(|e| !e.zone && e.interactive);
        zones.chain(rest).filter(|e| e.w > 0.0 && e.h > 0.0)
    }
}

const ANNOUNCE_H: f64 = 37.0;

/// Text lines of `chars` characters at `font` px in a box `width` px wide.
fn lines(chars: usize, font: f64, width: f64) -> f64 {
    (chars as f64 * font * 0.5 / width).ceil().max(1.0)
}

struct Frame<'a> {
    base: &'a str,
    vw: f64,
    left: f64,
    cw: f64,
    narrow: bool,
    els: Vec<El>,
}

impl Frame<'_> {
    fn url(&self, link: &str) -> String {
        format!("{}/demo/{link}", self.base)
    }
    fn push(&mut self, el: El) {
        self.els.push(el);
    }
    /// `h1` height: clamp(2rem, 4vw, 3.1rem), line-height 1.15, plus its margin.
    fn h1(&self, chars: usize, width: f64) -> f64 {
        let font = (self.vw * 0.04).clamp(32.0, 49.6);
        lines(chars, font, width) * font * 1.15 + font * 0.5
    }

    /// Announcement bar and sticky header; returns where the page content starts.
    fn header(&mut self, cart_count: u32) -> f64 {
        let (left, cw, narrow) = (self.left, self.cw, self.narrow);
        let y = ANNOUNCE_H;
        let nav: [(&str, &str, &str, f64); 4] = [
            ("nav-shop", "Shop all", "category.html", 62.0),
            ("nav-shoes", "Shoes", "category.html?cat=shoes", 49.0),
            ("nav-bags", "Bags", "category.html?cat=bags", 38.0),
            ("nav-pricing", "Membership", "pricing.html", 98.0),
        ];
        let mut els = vec![
            El::new(
                "logo",
                "[data-testid=\"logo\"]",
                "a",
                left,
                y + if narrow { 16.0 } else { 19.0 },
                186.0,
                30.0,
            )
            .text("NNorthwind Goods")
            .href(self.url("index.html")),
            El::new(
                "cart-link",
                "[data-testid=\"cart-link\"]",
                "a",
                left + cw - 92.0,
                y + if narrow { 10.0 } else { 13.0 },
                92.0,
                42.0,
            )
            .text(format!("Cart {cart_count}"))
            .href(self.url("cart.html")),
        ];
        let (mut nx, ny) = if narrow {
            (left, y + 60.0)
        } else {
            (left + 214.0, y + 15.0)
        };
        for (key, text, link, w) in nav {
            els.push(
                El::new(
                    key,
                    format!("[data-testid=\"{key}\"]"),
                    "a",
                    nx,
                    ny,
                    w,
                    38.0,
                )
                .text(text)
                .href(self.url(link)),
            );
            nx += w + if narrow { 18.0 } else { 22.0 };
        }
        if !narrow {
            let sx = left + cw - 92.0 - 14.0 - 210.0;
            els.push(
                El::new(
                    "search",
                    "[data-testid=\"search\"]",
                    "label",
                    sx,
                    y + 15.0,
                    210.0,
                    38.0,
                )
                .text("⌕"),
            );
            els.push(El::new(
                "search-input",
                "#search",
                "input",
                sx + 36.0,
                y + 22.0,
                160.0,
                24.0,
            ));
        }
        for mut e in els {
            e.sticky = true;
            self.push(e);
        }
        if narrow { y + 107.0 } else { y + 69.0 }
    }

    /// Footer starting `y` (after its 40 px margin); returns the document height.
    fn footer(&mut self, y: f64) -> f64 {
        let top = y + 40.0;
        let (h, mut x, ly) = if self.narrow {
            (158.0, self.left, top + 100.0)
        } else {
            (92.0, self.left + self.cw - 176.0, top + 36.0)
        };
        for (key, text, link, w) in [
            ("footer-membership", "Membership", "pricing.html", 88.0),
            ("footer-shop", "Shop", "category.html", 36.0),
            ("footer-cart", "Cart", "cart.html", 32.0),
        ] {
            let el = El::new(key, format!("[data-testid=\"{key}\"]"), "a", x, ly, w, 22.0)
                .text(text)
                .href(self.url(link));
            self.push(el);
            x += w + 18.0;
        }
        top + h
    }

    /// A product grid (`repeat(auto-fill, minmax(240px, 1fr))`, gap 22) at `y`; returns its height.
    fn grid(&mut self, y: f64, items: &[usize], media_ratio: f64, related: bool) -> f64 {
        let cols = ((self.cw + 22.0) / 262.0).floor().max(1.0);
        let w = (self.cw - 22.0 * (cols - 1.0)) / cols;
        let h = w * media_ratio + 80.0;
        for (n, &i) in items.iter().enumerate() {
            let p = &PRODUCTS[i];
            let (col, row) = ((n as f64) % cols, (n as f64 / cols).floor());
            let (key, sel, text) = if related {
                (
                    format!("related:{}", p.id),
                    format!("[data-testid=\"related-{}\"]", p.id),
                    format!("{}{}{}", p.name, category_name(p.cat), euro(p.price)),
                )
            } else {
                (
                    format!("card:{}", p.id),
                    format!("[data-testid=\"product-card-{}\"]", p.id),
                    format!(
                        "{}{}{}{}",
                        p.badge.unwrap_or(""),
                        p.name,
                        stars(p.rating),
                        euro(p.price)
                    ),
                )
            };
            let el = El::new(
                key,
                sel,
                "a",
                self.left + col * (w + 22.0),
                y + row * (h + 22.0),
                w,
                h,
            )
            .text(text)
            .href(self.url(&Page::Product(i).link()));
            self.push(el);
        }
        let rows = (items.len() as f64 / cols).ceil();
        rows * h + (rows - 1.0).max(0.0) * 22.0
    }
}

/// What the page shows that depends on the visit.
pub struct PageState<'a> {
    /// (product index, quantity) lines of the cart.
    pub cart: &'a [(usize, u32)],
    /// The order was placed (checkout shows its thank-you panel).
    pub ordered: bool,
}

/// The page's elements and document height at viewport width `vw`.
pub fn layout(page: &Page, base: &str, vw: f64, state: &PageState) -> Layout {
    let cw = (vw - 40.0).min(1160.0);
    let mut f = Frame {
        base,
        vw,
        left: ((vw - cw) / 2.0).round(),
        cw,
        narrow: vw <= 860.0,
        els: Vec::with_capacity(48),
    };
    let count: u32 = state.cart.iter().map(|l| l.1).sum();
    let y0 = f.header(if state.ordered { 0 } else { count });
    let end = match page {
        Page::Home => home(&mut f, y0),
        Page::Category(cat) => category(&mut f, y0, *cat),
        Page::Product(i) => product_page(&mut f, y0, *i),
        Page::Cart => cart(&mut f, y0, state.cart),
        Page::Checkout => checkout(&mut f, y0, state.ordered),
        Page::Pricing => pricing(&mut f, y0),
    };
    let dh = f.footer(end).round();
    Layout { els: f.els, dh }
}

fn home(f: &mut Frame, y0: f64) -> f64 {
    let (left, cw, narrow) = (f.left, f.cw, f.narrow);
    // hero: text column and art (side by side, or stacked when narrow)
    let col = if narrow {
        cw
    } else {
        (cw - 48.0) * 1.05 / 2.05
    };
    let lead = lines(125, 18.4, col) * 27.6;
    let before_buttons = 36.0 + f.h1(27, col) + lead + 16.0 + 26.0;
    let wrap = col < 440.0;
    let text_h = before_buttons + if wrap { 124.0 } else { 56.0 } + 34.0 + 44.0;
    let art_w = if narrow { cw } else { cw - 48.0 - col };
    let (inner, text_top) = if narrow {
        (text_h + 48.0 + art_w * 0.8, 0.0)
    } else {
        let inner = text_h.max(art_w * 0.8);
        (inner, (inner - text_h) / 2.0)
    };
    let hero_h = 56.0 + inner + 40.0;
    f.push(
        El::new(
            "hero",
            "[data-sl-zone=\"hero\"]",
            "section",
            0.0,
            y0,
            f.vw,
            hero_h,
        )
        .zone(),
    );
    let by = y0 + 56.0 + text_top + before_buttons;
    let shop = El::new("hero-shop", "#hero-shop", "a", left, by, 238.0, 57.0)
        .text("Shop the collection")
        .href(f.url("category.html"));
    f.push(shop);
    let (mx, my) = if wrap {
        (left, by + 69.0)
    } else {
        (left + 250.0, by)
    };
    let membership = El::new(
        "hero-membership",
        "#hero-membership",
        "a",
        mx,
        my,
        190.0,
        57.0,
    )
    .text("Join Northwind+")
    .href(f.url("pricing.html"));
    f.push(membership);
    // featured
    let mut y = y0 + hero_h + 44.0;
    let view_all = El::new(
        "view-all",
        "#view-all",
        "a",
        left + cw - 104.0,
        y + 12.0,
        104.0,
        50.0,
    )
    .text("View all")
    .href(f.url("category.html"));
    f.push(view_all);
    y += 62.0 + 22.0;
    let grid_h = f.grid(y, &FEATURED, 1.0, false).max(380.0);
    y += grid_h + 44.0;
    // value props
    y += 44.0 + if narrow { 3.0 * 176.0 + 44.0 } else { 176.0 } + 44.0;
    // newsletter
    y += 44.0;
    let box_h = if narrow { 236.0 } else { 162.0 };
    f.push(
        El::new(
            "newsletter",
            "[data-sl-zone=\"newsletter\"]",
            "div",
            left,
            y,
            cw,
            box_h,
        )
        .zone(),
    );
    let (fx, fy, fw) = if narrow {
        (left + 36.0, y + 36.0 + 114.0, cw - 72.0)
    } else {
        let half = (cw - 72.0 - 24.0) / 2.0;
        (left + 36.0 + half + 24.0, y + 56.0, half)
    };
    f.push(El::new(
        "newsletter-email",
        "#newsletter-email",
        "input",
        fx,
        fy,
        fw - 128.0,
        48.0,
    ));
    f.push(
        El::new(
            "newsletter-submit",
            "#newsletter-submit",
            "button",
            fx + fw - 118.0,
            fy - 1.0,
            118.0,
            50.0,
        )
        .text("Subscribe"),
    );
    y + box_h + 44.0
}

pub const CATEGORIES: [&str; 3] = ["shoes", "bags", "accessories"];

pub fn category_items(cat: Option<&str>) -> Vec<usize> {
    (0..PRODUCTS.len())
        .filter(|&i| cat.is_none_or(|c| PRODUCTS[i].cat == c))
        .collect()
}

fn category(f: &mut Frame, y0: f64, cat: Option<&'static str>) -> f64 {
    let (left, cw, narrow) = (f.left, f.cw, f.narrow);
    let crumb = El::new(
        "crumb-home",
        "body>main.container>div.page-head>div.crumbs>a",
        "a",
        left,
        y0 + 36.0,
        40.0,
        20.0,
    )
    .text("Home")
    .href(f.url("index.html"));
    f.push(crumb);
    let head = 36.0 + 32.0 + f.h1(12, cw) + lines(64, 16.0, cw) * 24.0 + 16.0 + 10.0;
    let ty = y0 + head + 18.0;
    f.push(
        El::new(
            "tabs",
            "[data-sl-zone=\"category-tabs\"]",
            "div",
            left,
            ty,
            344.0,
            40.0,
        )
        .zone(),
    );
    let mut x = left;
    for (c, text, w) in [
        ("all", "All", 52.0),
        ("shoes", "Shoes", 78.0),
        ("bags", "Bags", 66.0),
        ("accessories", "Accessories", 124.0),
    ] {
        f.push(
            El::new(
                format!("tab:{c}"),
                format!("[data-testid=\"tab-{c}\"]"),
                "button",
                x,
                ty,
                w,
                40.0,
            )
            .text(text),
        );
        x += w + 8.0;
    }
    let (sx, sy) = if narrow {
        (left + cw - 170.0, ty + 56.0)
    } else {
        (left + cw - 170.0, ty - 1.0)
    };
    f.push(El::new("sort", "#sort", "select", sx, sy, 170.0, 42.0));
    let gy = ty + if narrow { 98.0 } else { 42.0 } + 24.0;
    let items = category_items(cat);
    let h = f.grid(gy, &items, 1.0, false).max(380.0);
    gy + h
}

/// Where the product page's blocks are: shared by the layout and nothing else.
fn product_page(f: &mut Frame, y0: f64, i: usize) -> f64 {
    let (left, cw, narrow) = (f.left, f.cw, f.narrow);
    let p = &PRODUCTS[i];
    let home = El::new(
        "crumb-home",
        "body>main.container>div.crumbs>a:nth-of-type(1)",
        "a",
        left,
        y0 + 24.0,
        40.0,
        20.0,
    )
    .text("Home")
    .href(f.url("index.html"));
    f.push(home);
    let cat_name = category_name(p.cat);
    let crumb_cat = El::new(
        "crumb-cat",
        "#crumb-cat",
        "a",
        left + 55.0,
        y0 + 24.0,
        9.0 * cat_name.len() as f64,
        20.0,
    )
    .text(cat_name)
    .href(f.url(&Page::Category(Some(p.cat)).link()));
    f.push(crumb_cat);
    let yc = y0 + 24.0 + 20.0 + 10.0 + 28.0;
    let (c1, c2) = if narrow {
        (cw, cw)
    } else {
        (
            (cw - 48.0) * 1.15 / 2.15,
            cw - 48.0 - (cw - 48.0) * 1.15 / 2.15,
        )
    };
    f.push(
        El::new(
            "product-image",
            "[data-sl-zone=\"product-image\"]",
            "div",
            left,
            yc,
            c1,
            c1,
        )
        .zone(),
    );
    for n in 0..3 {
        f.push(El::new(
            format!("thumb:{}", n + 1),
            format!("main.container>div.product>div:nth-of-type(1)>div.thumbs>button.thumb:nth-of-type({})", n + 1),
            "button",
            left + n as f64 * 82.0,
            yc + c1 + 12.0,
            72.0,
            72.0,
        ));
    }
    let (x2, yi) = if narrow {
        (left, yc + c1 + 84.0 + 48.0)
    } else {
        (left + c1 + 48.0, yc)
    };
    let h1 = lines(p.name.len(), 35.2, c2) * 40.5 + 17.6;
    let blurb = lines(100, 16.0, c2) * 24.0;
    let sy = yi + h1 + 36.0 + 50.0 + blurb + 16.0 + 49.0;
    for n in 0..3 {
        f.push(El::new(
            format!("swatch:{}", n + 1),
            format!(
                "[data-testid=\"swatches\"]>button.swatch:nth-of-type({})",
                n + 1
            ),
            "button",
            x2 + n as f64 * 44.0,
            sy,
            34.0,
            34.0,
        ));
    }
    let by = sy + 34.0 + 49.0 + 22.0;
    f.push(
        El::new(
            "qty-stepper",
            "[data-sl-zone=\"qty-stepper\"]",
            "div",
            x2,
            by,
            124.0,
            57.0,
        )
        .zone(),
    );
    f.push(
        El::new(
            "qty-dec",
            "[data-sl-zone=\"qty-stepper\"]>button.qty-dec",
            "button",
            x2 + 1.0,
            by + 4.0,
            44.0,
            48.0,
        )
        .text("−"),
    );
    f.push(
        El::new(
            "qty-inc",
            "[data-sl-zone=\"qty-stepper\"]>button.qty-inc",
            "button",
            x2 + 79.0,
            by + 4.0,
            44.0,
            48.0,
        )
        .text("+"),
    );
    f.push(
        El::new(
            "add-to-cart",
            "[data-sl-zone=\"add-to-cart\"]",
            "button",
            x2 + 136.0,
            by,
            c2 - 136.0,
            57.0,
        )
        .text("Add to cart")
        .zone(),
    );
    let dy = by + 57.0 + 22.0 + 16.0 + 3.0 * 30.0;
    for (n, (id, text)) in [
        ("details-materials", "Materials & care"),
        ("details-shipping", "Shipping & returns"),
    ]
    .into_iter()
    .enumerate()
    {
        f.push(
            El::new(
                id,
                format!("#{id}>summary"),
                "summary",
                x2,
                dy + 14.0 + n as f64 * 53.0,
                c2,
                24.0,
            )
            .text(text),
        );
    }
    let info_end = dy + 2.0 * 53.0;
    let col1_end = yc + c1 + 84.0;
    let mut y = if narrow {
        info_end
    } else {
        info_end.max(col1_end)
    } + 56.0;
    y += 40.0 + 22.0;
    let h = f.grid(y, &RELATED, 2.0 / 3.0, true);
    y + h + 44.0
}

fn cart(f: &mut Frame, y0: f64, lines_: &[(usize, u32)]) -> f64 {
    let (left, cw, narrow) = (f.left, f.cw, f.narrow);
    let head = 36.0 + f.h1(9, cw) + 10.0;
    let yl = y0 + head + 10.0;
    let (c1, c2) = if narrow {
        (cw, cw)
    } else {
        ((cw - 32.0) * 1.6 / 2.6, cw - 32.0 - (cw - 32.0) * 1.6 / 2.6)
    };
    let line_h = if narrow { 97.0 } else { 117.0 };
    let lines_h = if lines_.is_empty() {
        150.0
    } else {
        lines_.len() as f64 * line_h
    };
    if lines_.is_empty() {
        let e = El::new(
            "empty-cart-shop",
            "[data-testid=\"empty-cart-shop\"]",
            "a",
            left + c1 / 2.0 - 80.0,
            yl + 80.0,
            160.0,
            50.0,
        )
        .text("Browse products")
        .href(f.url("category.html"));
        f.push(e);
    }
    for (n, &(i, _)) in lines_.iter().enumerate() {
        let id = PRODUCTS[i].id;
        f.push(
            El::new(
                format!("remove:{id}"),
                format!("[data-testid=\"cart-line-{id}\"]>button.link-btn.remove"),
                "button",
                left + c1 - 16.0 - 58.0,
                yl + n as f64 * line_h + line_h / 2.0 - 12.0,
                58.0,
                24.0,
            )
            .text("Remove"),
        );
    }
    let (sx, sy) = if narrow {
        (left, yl + lines_h + 32.0)
    } else {
        (left + c1 + 32.0, yl)
    };
    let cy = sy + 22.0 + 30.0 + 80.0 + 16.0;
    f.push(El::new(
        "coupon-code",
        "#coupon-code",
        "input",
        sx + 22.0,
        cy + 3.0,
        c2 - 44.0 - 150.0,
        44.0,
    ));
    f.push(
        El::new(
            "apply-coupon",
            "[data-sl-zone=\"apply-coupon\"]",
            "button",
            sx + c2 - 22.0 - 142.0,
            cy,
            142.0,
            50.0,
        )
        .text("Apply coupon")
        .zone(),
    );
    let checkout = El::new(
        "checkout-btn",
        "#checkout-btn",
        "a",
        sx + 22.0,
        cy + 50.0 + 16.0 + 38.0 + 50.0 + 16.0,
        c2 - 44.0,
        57.0,
    )
    .text("Checkout")
    .href(f.url("checkout.html"));
    f.push(checkout);
    let summary_h = 430.0;
    if narrow {
        sy + summary_h + 56.0
    } else {
        yl + lines_h.max(summary_h) + 56.0
    }
}

/// Checkout form fields in order: (key = id, input type, row slot).
pub const CHECKOUT_FIELDS: [(&str, &str); 10] = [
    ("email", "email"),
    ("full-name", "text"),
    ("address", "text"),
    ("postcode", "text"),
    ("city", "text"),
    ("country", "select-one"),
    ("card-number", "text"),
    ("card-name", "text"),
    ("expiry", "text"),
    ("security-code", "text"),
];

fn checkout(f: &mut Frame, y0: f64, ordered: bool) -> f64 {
    let (left, cw, narrow) = (f.left, f.cw, f.narrow);
    let crumb = El::new(
        "crumb-cart",
        "body>main.container>div.page-head>div.crumbs>a",
        "a",
        left,
        y0 + 36.0,
        32.0,
        20.0,
    )
    .text("Cart")
    .href(f.url("cart.html"));
    f.push(crumb);
    let head = 36.0 + 32.0 + f.h1(8, cw) + 10.0;
    let yf = y0 + head + 10.0;
    let c1 = if narrow { cw } else { (cw - 32.0) * 1.5 / 2.5 };
    let (fx, fy, fw) = (left + 27.0, yf + 27.0, c1 - 54.0);
    let form_h = 900.0;
    if ordered {
        let back = El::new(
            "back-home",
            "[data-testid=\"back-home\"]",
            "a",
            left + c1 / 2.0 - 95.0,
            yf + 240.0,
            190.0,
            50.0,
        )
        .text("Back to the shop")
        .href(f.url("index.html"));
        f.push(back);
    } else {
        f.push(
            El::new(
                "checkout-form",
                "[data-sl-zone=\"checkout-form\"]",
                "form",
                fx,
                fy,
                fw,
                form_h,
            )
            .zone(),
        );
        let half = (fw - 14.0) / 2.0;
        let unit = (fw - 28.0) / 3.4;
        let rows: [(f64, f64, f64); 10] = [
            (0.0, 66.0, fw),
            (0.0, 212.0, fw),
            (0.0, 306.0, fw),
            (0.0, 400.0, half),
            (half + 14.0, 400.0, half),
            (0.0, 494.0, fw),
            (0.0, 640.0, fw),
            (0.0, 734.0, 1.4 * unit),
            (1.4 * unit + 14.0, 734.0, unit),
            (2.4 * unit + 28.0, 734.0, unit),
        ];
        for ((id, ty), (dx, dy, w)) in CHECKOUT_FIELDS.iter().zip(rows) {
            let tag = if *ty == "select-one" {
                "select"
            } else {
                "input"
            };
            f.push(El::new(
                *id,
                format!("#{id}"),
                tag,
                fx + dx,
                fy + dy,
                w,
                50.0,
            ));
        }
        f.push(
            El::new(
                "place-order",
                "#place-order",
                "button",
                fx,
                fy + 810.0,
                fw,
                57.0,
            )
            .text("Place order"),
        );
    }
    let panel_h = if ordered { 420.0 } else { form_h + 54.0 };
    let summary_h = 240.0;
    if narrow {
        yf + panel_h + 32.0 + summary_h + 56.0
    } else {
        yf + panel_h.max(summary_h) + 56.0
    }
}

fn pricing(f: &mut Frame, y0: f64) -> f64 {
    let (left, cw, narrow) = (f.left, f.cw, f.narrow);
    let headw = cw.min(720.0);
    let head = 36.0 + 32.0 + f.h1(31, headw) + 8.0 + lines(100, 17.6, headw) * 26.4 + 10.0;
    let mut y = y0 + head + 30.0;
    let plan_h = 300.0;
    let (cols, pw) = if narrow {
        (1.0, cw)
    } else {
        (3.0, (cw - 44.0) / 3.0)
    };
    for (n, key) in ["free", "plus", "pro"].into_iter().enumerate() {
        let (col, row) = ((n as f64) % cols, (n as f64 / cols).floor());
        let px = left + col * (pw + 22.0);
        let py = y + row * (plan_h + 22.0);
        let learn = El::new(
            format!("learn:{key}"),
            format!("[data-testid=\"plan-{key}\"]>a.learn"),
            "a",
            px + 26.0,
            py + plan_h - 48.0,
            122.0,
            22.0,
        )
        .text("Compare plans ↓")
        .href(f.url("pricing.html#compare"));
        f.push(learn);
    }
    let rows = 3.0 / cols;
    y += rows * plan_h + (rows - 1.0) * 22.0 + 30.0;
    f.push(El::new("compare", "#compare", "section", left, y, cw, 0.0));
    let row_h = if cw < 500.0 { 60.0 } else { 52.0 };
    y += 44.0 + 38.0 + 9.0 * row_h + 44.0;
    // quotes
    let qw = if narrow { cw } else { (cw - 44.0) / 3.0 };
    let quote_h = 44.0 + lines(70, 16.0, qw - 44.0) * 24.0 + 31.0;
    y += 44.0
        + 38.0
        + if narrow {
            3.0 * quote_h + 44.0
        } else {
            quote_h
        }
        + 44.0;
    // FAQ
    let faqw = cw.min(760.0);
    let faq_row = if faqw < 500.0 { 60.0 } else { 53.0 };
    y += 44.0 + 38.0;
    for n in 1..=6 {
        let q = [
            "Can I cancel any time?",
            "Does the trial cost anything?",
            "Is shipping really free?",
            "What counts as a repair?",
            "Can I share my membership?",
            "Do you ship outside the EU?",
        ][n - 1];
        f.push(
            El::new(
                format!("faq:{n}"),
                format!("#faq-{n}>summary"),
                "summary",
                left,
                y + 14.0 + (n - 1) as f64 * faq_row,
                faqw,
                24.0,
            )
            .text(q),
        );
    }
    y += 6.0 * faq_row + 44.0;
    // "Why we started"
    let textw = cw.min(760.0);
    let why = 44.0
        + 38.0
        + lines(270, 16.0, textw) * 24.0
        + 16.0
        + lines(230, 16.0, textw) * 24.0
        + 16.0
        + 44.0;
    y += why.max(420.0);
    // final CTA
    let h2 = lines(26, 32.0, cw - 48.0) * 36.8 + 16.0;
    let p = lines(44, 16.0, cw - 48.0) * 24.0 + 16.0;
    let box_y = y + 44.0;
    let cta = El::new(
        "primary-cta",
        "[data-sl-zone=\"primary-cta\"]",
        "button",
        left + cw / 2.0 - 92.0,
        box_y + 56.0 + h2 + p,
        184.0,
        57.0,
    )
    .text("Start free trial")
    .zone();
    f.push(cta);
    box_y + 56.0 + h2 + p + 57.0 + 38.0 + 56.0 + 44.0
}

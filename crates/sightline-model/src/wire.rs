//! Wire format v1: the tracker → server batch (`POST /api/v1/batch`). Keep in step with `docs/wire.md`
//! (its examples are checked by `crates/sightline-ingest/tests/wire_doc.rs`).
//! Unknown fields are ignored (adding optional fields is allowed within v1); unknown event types are not.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const WIRE_VERSION: u8 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Batch {
    pub v: u8,
    pub site: String,
    pub sid: String,
    #[serde(default)]
    pub vid: Option<String>,
    pub seq: u64,
    pub sent_at: i64,
    /// Page URL of every pageview id the events refer to (pageview id → URL, as the pageview event's `url`),
    /// so that each batch names its pages even when the pageview event travels in another batch.
    /// Optional: older clients do not send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<BTreeMap<String, String>>,
    pub events: Vec<Event>,
}

impl Batch {
    /// The page URL of pageview `pv` as the batch's `pages` gives it.
    pub fn page_url(&self, pv: &str) -> Option<&str> {
        self.pages.as_ref()?.get(pv).map(String::as_str)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// Client clock, ms since the epoch.
    pub t: i64,
    /// Pageview id the event belongs to.
    pub pv: String,
    #[serde(flatten)]
    pub data: EventData,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum EventData {
    Pageview(Pageview),
    Pageleave(Pageleave),
    Click(Click),
    Scroll(Scroll),
    Move(Move),
    Hover(Hover),
    Input(Input),
    Error(JsError),
    Request(Request),
    Vital(Vital),
    Layout(Layout),
    Custom(Custom),
    Identify(Identify),
    Replay(Replay),
}

impl EventData {
    /// The wire name of the event type, as stored in the `type` column.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventData::Pageview(_) => "pageview",
            EventData::Pageleave(_) => "pageleave",
            EventData::Click(_) => "click",
            EventData::Scroll(_) => "scroll",
            EventData::Move(_) => "move",
            EventData::Hover(_) => "hover",
            EventData::Input(_) => "input",
            EventData::Error(_) => "error",
            EventData::Request(_) => "request",
            EventData::Vital(_) => "vital",
            EventData::Layout(_) => "layout",
            EventData::Custom(_) => "custom",
            EventData::Identify(_) => "identify",
            EventData::Replay(_) => "replay",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Pageview {
    pub url: String,
    #[serde(default, rename = "ref")]
    pub referrer: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub vw: Option<f64>,
    #[serde(default)]
    pub vh: Option<f64>,
    #[serde(default)]
    pub sw: Option<f64>,
    #[serde(default)]
    pub sh: Option<f64>,
    #[serde(default)]
    pub dh: Option<f64>,
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub tz: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Pageleave {
    #[serde(default)]
    pub active_ms: Option<f64>,
    #[serde(default)]
    pub max_scroll_px: Option<f64>,
    #[serde(default)]
    pub max_scroll_pct: Option<f64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Pointer {
    Mouse,
    Touch,
    Pen,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Click {
    pub sel: String,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub href: Option<String>,
    #[serde(default)]
    pub interactive: Option<bool>,
    pub x: f64,
    pub y: f64,
    #[serde(default)]
    pub rx: Option<f64>,
    #[serde(default)]
    pub ry: Option<f64>,
    #[serde(default)]
    pub pointer: Option<Pointer>,
    /// DOM change, navigation, scroll or focus change within 1 s; None if unknown.
    #[serde(default)]
    pub changed: Option<bool>,
    /// Viewport width at the click (px).
    #[serde(default)]
    pub vw: Option<f64>,
    /// The element or an ancestor is `position: fixed` or `sticky`: it stays put while the page scrolls.
    #[serde(default)]
    pub fixed: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Scroll {
    pub depth_px: f64,
    pub depth_pct: f64,
    #[serde(default)]
    pub dir_changes: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Move {
    /// `[x, y, dt_ms]` in page px.
    pub points: Vec<[f64; 3]>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Hover {
    pub sel: String,
    pub dwell_ms: f64,
    #[serde(default)]
    pub clicked: Option<bool>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InputAction {
    Focus,
    Blur,
    Change,
    Abandon,
    Submit,
}

impl InputAction {
    pub fn as_str(self) -> &'static str {
        match self {
            InputAction::Focus => "focus",
            InputAction::Blur => "blur",
            InputAction::Change => "change",
            InputAction::Abandon => "abandon",
            InputAction::Submit => "submit",
        }
    }
}

/// Form interaction. Never carries the value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Input {
    pub sel: String,
    pub action: InputAction,
    #[serde(default)]
    pub field: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct JsError {
    pub msg: String,
    #[serde(default)]
    pub stack: Option<String>,
    #[serde(default)]
    pub src: Option<String>,
    #[serde(default)]
    pub line: Option<u32>,
    #[serde(default)]
    pub col: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Request {
    pub url: String,
    #[serde(default)]
    pub method: Option<String>,
    /// 0 = network error.
    pub status: u16,
    #[serde(default)]
    pub duration_ms: Option<f64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum VitalName {
    #[serde(rename = "LCP")]
    Lcp,
    #[serde(rename = "INP")]
    Inp,
    #[serde(rename = "CLS")]
    Cls,
    #[serde(rename = "FCP")]
    Fcp,
    #[serde(rename = "TTFB")]
    Ttfb,
}

impl VitalName {
    pub fn as_str(self) -> &'static str {
        match self {
            VitalName::Lcp => "LCP",
            VitalName::Inp => "INP",
            VitalName::Cls => "CLS",
            VitalName::Fcp => "FCP",
            VitalName::Ttfb => "TTFB",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum VitalRating {
    Good,
    NeedsImprovement,
    Poor,
}

impl VitalRating {
    pub fn as_str(self) -> &'static str {
        match self {
            VitalRating::Good => "good",
            VitalRating::NeedsImprovement => "needs-improvement",
            VitalRating::Poor => "poor",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Vital {
    pub name: VitalName,
    pub value: f64,
    #[serde(default)]
    pub rating: Option<VitalRating>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Zone {
    pub sel: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// Fixed or sticky: in view whatever the scroll position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Layout {
    pub zones: Vec<Zone>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Custom {
    pub name: String,
    #[serde(default)]
    pub props: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    pub revenue: Option<f64>,
    #[serde(default)]
    pub currency: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Identify {
    pub user_id: String,
    #[serde(default)]
    pub traits: Option<serde_json::Map<String, Value>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Replay {
    /// Sequence number of the chunk within the pageview.
    pub chunk: u32,
    /// rrweb events, opaque to the server.
    pub events: Vec<Value>,
    /// A page snapshot for heatmaps (chunk 0: the Meta and FullSnapshot events only), sent for a sample of
    /// pageviews that are not recorded: stored per pageview, not as a recording.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub snapshot: bool,
}

/// `202` body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct BatchAccepted {
    pub accepted: usize,
    pub duplicate: bool,
}

//! The event rows of one write, column by column (Apache Arrow). The writer pushes each batch's rows as soon
//! as they are built, so a write in flight holds its events packed (a few hundred bytes each instead of a
//! struct of forty fields with a heap string per text), and the store appends the columns as they are.
//! Arrow is engine-neutral: DuckDB appends it directly, ClickHouse takes it as `FORMAT ArrowStream`.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::ArrowError;
use sightline_model::EventRow;

/// Builds [`EventColumns`] one row at a time.
#[derive(Default)]
pub struct EventColumnsBuilder {
    site_id: Int64Builder,
    ts: Int64Builder,
    session: StringBuilder,
    visitor: StringBuilder,
    user_id: StringBuilder,
    pageview: StringBuilder,
    event_type: StringBuilder,
    path: StringBuilder,
    page_group: StringBuilder,
    referrer: StringBuilder,
    channel: StringBuilder,
    utm_source: StringBuilder,
    utm_medium: StringBuilder,
    utm_campaign: StringBuilder,
    utm_term: StringBuilder,
    utm_content: StringBuilder,
    device: StringBuilder,
    browser: StringBuilder,
    os: StringBuilder,
    country: StringBuilder,
    viewport_w: Int32Builder,
    viewport_h: Int32Builder,
    selector: StringBuilder,
    tag: StringBuilder,
    text: StringBuilder,
    x: Float64Builder,
    y: Float64Builder,
    rel_x: Float64Builder,
    rel_y: Float64Builder,
    scroll_pct: Float64Builder,
    value: Float64Builder,
    name: StringBuilder,
    props: StringBuilder,
    revenue: Float64Builder,
    error_fingerprint: StringBuilder,
    interactive: BooleanBuilder,
    changed: BooleanBuilder,
    received_at: Int64Builder,
    len: usize,
}

impl EventColumnsBuilder {
    pub fn push(&mut self, r: &EventRow) {
        self.site_id.append_value(r.site_id);
        self.ts.append_value(r.ts);
        self.session.append_value(&r.session);
        self.visitor.append_value(&r.visitor);
        self.user_id.append_option(r.user_id.as_deref());
        self.pageview.append_value(&r.pageview);
        self.event_type.append_value(r.event_type);
        self.path.append_option(r.path.as_deref());
        self.page_group.append_option(r.page_group.as_deref());
        self.referrer.append_option(r.referrer.as_deref());
        self.channel.append_option(r.channel);
        self.utm_source.append_option(r.utm_source.as_deref());
        self.utm_medium.append_option(r.utm_medium.as_deref());
        self.utm_campaign.append_option(r.utm_campaign.as_deref());
        self.utm_term.append_option(r.utm_term.as_deref());
        self.utm_content.append_option(r.utm_content.as_deref());
        self.device.append_value(r.device);
        self.browser.append_value(&r.browser);
        self.os.append_value(&r.os);
        self.country.append_option(r.country.as_deref());
        self.viewport_w.append_option(r.viewport_w);
        self.viewport_h.append_option(r.viewport_h);
        self.selector.append_option(r.selector.as_deref());
        self.tag.append_option(r.tag.as_deref());
        self.text.append_option(r.text.as_deref());
        self.x.append_option(r.x);
        self.y.append_option(r.y);
        self.rel_x.append_option(r.rel_x);
        self.rel_y.append_option(r.rel_y);
        self.scroll_pct.append_option(r.scroll_pct);
        self.value.append_option(r.value);
        self.name.append_option(r.name.as_deref());
        self.props.append_option(r.props.as_deref());
        self.revenue.append_option(r.revenue);
        self.error_fingerprint
            .append_option(r.error_fingerprint.as_deref());
        self.interactive.append_option(r.interactive);
        self.changed.append_option(r.changed);
        self.received_at.append_value(r.received_at);
        self.len += 1;
    }

    pub fn extend<'a>(&mut self, rows: impl IntoIterator<Item = &'a EventRow>) {
        for row in rows {
            self.push(row);
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The columns, in the events table's order (migrations/duckdb/0001_events.sql).
    pub fn finish(mut self) -> Result<EventColumns, ArrowError> {
        if self.len == 0 {
            return Ok(EventColumns::default());
        }
        fn col(a: impl Array + 'static) -> ArrayRef {
            Arc::new(a)
        }
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("site_id", col(self.site_id.finish())),
            ("ts", col(self.ts.finish())),
            ("session", col(self.session.finish())),
            ("visitor", col(self.visitor.finish())),
            ("user_id", col(self.user_id.finish())),
            ("pageview", col(self.pageview.finish())),
            ("type", col(self.event_type.finish())),
            ("path", col(self.path.finish())),
            ("page_group", col(self.page_group.finish())),
            ("referrer", col(self.referrer.finish())),
            ("channel", col(self.channel.finish())),
            ("utm_source", col(self.utm_source.finish())),
            ("utm_medium", col(self.utm_medium.finish())),
            ("utm_campaign", col(self.utm_campaign.finish())),
            ("utm_term", col(self.utm_term.finish())),
            ("utm_content", col(self.utm_content.finish())),
            ("device", col(self.device.finish())),
            ("browser", col(self.browser.finish())),
            ("os", col(self.os.finish())),
            ("country", col(self.country.finish())),
            ("viewport_w", col(self.viewport_w.finish())),
            ("viewport_h", col(self.viewport_h.finish())),
            ("selector", col(self.selector.finish())),
            ("tag", col(self.tag.finish())),
            ("text", col(self.text.finish())),
            ("x", col(self.x.finish())),
            ("y", col(self.y.finish())),
            ("rel_x", col(self.rel_x.finish())),
            ("rel_y", col(self.rel_y.finish())),
            ("scroll_pct", col(self.scroll_pct.finish())),
            ("value", col(self.value.finish())),
            ("name", col(self.name.finish())),
            ("props", col(self.props.finish())),
            ("revenue", col(self.revenue.finish())),
            ("error_fingerprint", col(self.error_fingerprint.finish())),
            ("interactive", col(self.interactive.finish())),
            ("changed", col(self.changed.finish())),
            ("received_at", col(self.received_at.finish())),
        ];
        Ok(EventColumns {
            batch: Some(RecordBatch::try_from_iter(columns)?),
        })
    }
}

/// Event rows ready to store. Cloning shares the buffers.
#[derive(Debug, Clone, Default)]
pub struct EventColumns {
    /// `None` when there are no rows (Arrow has no schema-less empty batch).
    batch: Option<RecordBatch>,
}

impl EventColumns {
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = &'a EventRow>) -> Self {
        let mut builder = EventColumnsBuilder::default();
        builder.extend(rows);
        builder
            .finish()
            .expect("every column is built from the same rows, so their lengths agree")
    }

    pub fn len(&self) -> usize {
        self.batch.as_ref().map_or(0, RecordBatch::num_rows)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn record_batch(&self) -> Option<&RecordBatch> {
        self.batch.as_ref()
    }

    /// The values of a text column (`name`, `session`, …), row by row; empty for an unknown column.
    pub fn texts(&self, column: &str) -> Vec<Option<&str>> {
        self.batch
            .as_ref()
            .and_then(|b| b.column_by_name(column))
            .and_then(|c| c.as_any().downcast_ref::<StringArray>())
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: Option<&str>) -> EventRow {
        EventRow {
            site_id: 7,
            ts: 1_000,
            session: "s1".into(),
            visitor: "v1".into(),
            pageview: "pv".into(),
            event_type: "custom",
            device: "desktop",
            browser: "Firefox".into(),
            os: "Linux".into(),
            name: name.map(str::to_string),
            revenue: Some(9.5),
            received_at: 2_000,
            ..EventRow::default()
        }
    }

    #[test]
    fn columns_keep_every_row_and_its_nulls_in_order() {
        let columns = EventColumns::from_rows(&[row(Some("purchase")), row(None)]);
        assert_eq!(columns.len(), 2);
        assert_eq!(columns.texts("name"), vec![Some("purchase"), None]);
        assert_eq!(columns.texts("session"), vec![Some("s1"), Some("s1")]);
        let batch = columns.record_batch().expect("rows");
        assert_eq!(batch.num_columns(), 38);
        assert_eq!(batch.schema().field(6).name(), "type");
        assert_eq!(
            batch.column_by_name("revenue").map(|c| c.null_count()),
            Some(0)
        );
        assert_eq!(
            batch.column_by_name("selector").map(|c| c.null_count()),
            Some(2)
        );
    }

    #[test]
    fn no_rows_is_an_empty_write() {
        let columns = EventColumns::from_rows(&[]);
        assert!(columns.is_empty());
        assert!(columns.record_batch().is_none());
        assert!(columns.texts("name").is_empty());
    }
}

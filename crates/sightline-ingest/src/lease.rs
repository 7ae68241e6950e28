//! Background jobs on several nodes: a job whose store the nodes share (the analysis pass, retention) runs on
//! the node holding its lease in the metadata store, and another node takes over once the holder stops
//! renewing it (it died). On one machine, or with an event store per node, no lease is needed.

use std::sync::Arc;
use std::time::Duration;

use sightline_store::MetaStore;

/// How long a lease lasts unless renewed; a dead node's job resumes elsewhere after at most this.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// Jobs with a lease, by name.
pub const ANALYSIS_JOB: &str = "analysis";
pub const RETENTION_JOB: &str = "retention";

#[derive(Clone)]
pub struct JobLease {
    meta: Arc<dyn MetaStore>,
    /// This node, unique among the nodes (random per process).
    holder: String,
    ttl: Duration,
}

impl JobLease {
    pub fn new(meta: Arc<dyn MetaStore>, holder: String, ttl: Duration) -> Self {
        Self { meta, holder, ttl }
    }

    /// Whether this node may run `job` now (taking or renewing its lease). A metadata store that does not
    /// answer means no: better a pass skipped than two nodes running it.
    pub fn hold(&self, job: &str) -> bool {
        let ttl_ms = i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX);
        let held = self
            .meta
            .acquire_lease(job, &self.holder, sightline_model::now_ms(), ttl_ms)
            .unwrap_or_else(|e| {
                tracing::warn!(job, error = %e, "could not renew the job lease");
                false
            });
        metrics::gauge!("sightline_job_lease_held", "job" => job.to_string()).set(if held {
            1.0
        } else {
            0.0
        });
        held
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }
}

impl std::fmt::Debug for JobLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobLease")
            .field("holder", &self.holder)
            .field("ttl", &self.ttl)
            .finish()
    }
}

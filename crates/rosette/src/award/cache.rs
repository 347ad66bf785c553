//! A bounded in-memory cache of signed credentials, for the public JSON form that verifiers
//! and wallets fetch most.
//!
//! A stored credential is never edited (revocation lives in the status list, expiry in the
//! credential's own dates), so a cached copy can never go stale: nothing is invalidated. The
//! cache only bounds its memory: at [`CREDENTIAL_CACHE_ENTRIES`] entries it forgets an eighth
//! of them, chosen by the hash map's random order, which is cheap and good enough for a
//! cache whose misses cost one indexed read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;

/// How many credentials the cache keeps (about 3 KB each).
pub const CREDENTIAL_CACHE_ENTRIES: usize = 10_000;

/// A credential as the public JSON form serves it.
#[derive(Debug)]
pub struct CachedCredential {
    /// The award's organization, for the view event.
    pub org_id: String,
    /// The signed credential, byte for byte as stored.
    pub body: Bytes,
}

/// Award id to its signed credential, bounded.
#[derive(Debug)]
pub struct CredentialCache {
    entries: Mutex<HashMap<String, Arc<CachedCredential>>>,
    capacity: usize,
}

impl CredentialCache {
    /// An empty cache that keeps at most `capacity` credentials.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(8),
        }
    }

    /// The cached credential of an award, if any.
    pub fn get(&self, award_id: &str) -> Option<Arc<CachedCredential>> {
        self.entries.lock().ok()?.get(award_id).cloned()
    }

    /// Keeps an award's credential, forgetting some others first when full.
    pub fn insert(&self, award_id: &str, credential: Arc<CachedCredential>) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.capacity {
            let forget: Vec<String> = entries.keys().take(self.capacity / 8).cloned().collect();
            for key in forget {
                entries.remove(&key);
            }
        }
        entries.insert(award_id.to_owned(), credential);
    }

    /// How many credentials are cached.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |entries| entries.len())
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(text: &str) -> Arc<CachedCredential> {
        Arc::new(CachedCredential {
            org_id: "org".into(),
            body: Bytes::from(text.to_owned()),
        })
    }

    #[test]
    fn a_cached_credential_comes_back_byte_for_byte() {
        let cache = CredentialCache::new(16);
        assert!(cache.get("a").is_none());
        cache.insert("a", credential("{\"id\": 1}"));
        assert_eq!(cache.get("a").unwrap().body, "{\"id\": 1}");
    }

    #[test]
    fn the_cache_never_grows_past_its_capacity() {
        let cache = CredentialCache::new(64);
        for i in 0..1_000 {
            cache.insert(&i.to_string(), credential("{}"));
            assert!(cache.len() <= 64, "{} entries", cache.len());
        }
        assert!(cache.get("999").is_some(), "the newest entry is kept");
    }
}

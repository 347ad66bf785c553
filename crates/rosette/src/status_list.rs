//! Revocation status lists: per issuer, W3C Bitstring Status Lists of 131,072 entries, one
//! entry per award, and the signed `BitstringStatusListCredential` verifiers fetch.
//!
//! The bits live in `status_lists.bits`. Each server takes entries of an issuer's list in
//! blocks ([`Reservations`]) and hands them to awards from memory; revoking sets the award's
//! bit in the revoker's transaction. The signed list credential is cached in
//! `status_lists.credential`; a change of bits clears the cache in the same transaction, and
//! the next fetch signs it afresh with the issuer's current key.
//!
//! Concurrency: taking a block is one `UPDATE … RETURNING` in a short transaction of its own,
//! so servers sharing a PostgreSQL database never take the same entry, and awards of one
//! issuer do not queue on the list's row for their whole transaction. A revocation
//! first writes the row (taking the lock) and only then reads the bits, so two revocations
//! in one list never overwrite each other's bit.

use std::collections::HashMap;

use badges::status::{BitstringStatusList, NewStatusListCredential, StatusPurpose};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::Row;

use crate::db::{Db, new_id, now_ms};
use crate::http::AppState;
use crate::issuer;

/// Entries per list: the smallest the specification allows, which hides each award among
/// 131,071 others and stays 16 KiB uncompressed.
pub const LIST_ENTRIES: usize = 131_072;

/// The purpose of every list this module makes.
const PURPOSE: &str = "revocation";

/// The public URL of a status list credential: what award credentials point at.
pub fn public_id(public_url: &str, list_id: &str) -> String {
    format!("{public_url}/status/{list_id}")
}

/// How many entries a server takes from a list at a time. Entries are handed out from memory,
/// so awards of one issuer do not all update the same row inside their transactions (on
/// PostgreSQL that row lock would serialize them, commit included). Entries a server took but
/// never used, at a restart or when an award's transaction fails, stay unset for good: a gap
/// in a list costs one bit and says nothing.
pub const RESERVATION_BLOCK: usize = 64;

/// Entries this server has taken from its issuers' lists and not yet handed out.
#[derive(Debug, Default)]
pub struct Reservations {
    blocks: tokio::sync::Mutex<HashMap<String, Block>>,
}

/// A run of entries of one list: `next..end`.
#[derive(Debug)]
struct Block {
    list_id: String,
    next: usize,
    end: usize,
}

impl Reservations {
    /// The next free entry of one of the issuer's lists: its list id and index. Takes a new
    /// block (in a short transaction of its own) when this server has none left.
    pub async fn take(
        &self,
        db: &Db,
        org_id: &str,
        issuer_id: &str,
    ) -> anyhow::Result<(String, usize)> {
        let mut blocks = self.blocks.lock().await;
        if let Some(block) = blocks.get_mut(issuer_id).filter(|b| b.next < b.end) {
            block.next += 1;
            return Ok((block.list_id.clone(), block.next - 1));
        }
        let mut block = reserve_block(db, org_id, issuer_id).await?;
        let taken = (block.list_id.clone(), block.next);
        block.next += 1;
        blocks.insert(issuer_id.to_owned(), block);
        Ok(taken)
    }
}

/// Takes [`RESERVATION_BLOCK`] entries of one of the issuer's lists, making a list when none
/// has room for a whole block.
async fn reserve_block(db: &Db, org_id: &str, issuer_id: &str) -> anyhow::Result<Block> {
    let block = i64::try_from(RESERVATION_BLOCK)?;
    let _write = db.write_lock().await;
    let mut tx = db.pool.begin().await?;
    // The outer condition is checked again after a lock wait on PostgreSQL, so a list that
    // filled up meanwhile is not overrun.
    let taken = sqlx::query(
        "UPDATE status_lists SET next_index = next_index + $4 \
         WHERE id = (SELECT id FROM status_lists WHERE org_id = $1 AND issuer_id = $2 \
             AND purpose = $3 AND next_index + $4 <= capacity ORDER BY id LIMIT 1) \
           AND next_index + $4 <= capacity \
         RETURNING id, next_index",
    )
    .bind(org_id)
    .bind(issuer_id)
    .bind(PURPOSE)
    .bind(block)
    .fetch_optional(&mut *tx)
    .await?;
    let reserved = match taken {
        Some(row) => {
            let end = usize::try_from(row.get::<i64, _>("next_index"))?;
            Block {
                list_id: row.get("id"),
                next: end - RESERVATION_BLOCK,
                end,
            }
        }
        None => Block {
            list_id: create_list(&mut tx, org_id, issuer_id, block).await?,
            next: 0,
            end: RESERVATION_BLOCK,
        },
    };
    tx.commit().await?;
    Ok(reserved)
}

/// Makes an empty list whose first `taken` entries are already reserved by the caller.
async fn create_list(
    tx: &mut sqlx::AnyConnection,
    org_id: &str,
    issuer_id: &str,
    taken: i64,
) -> anyhow::Result<String> {
    let id = new_id();
    let bits = BitstringStatusList::new(LIST_ENTRIES, 1)?;
    sqlx::query(
        "INSERT INTO status_lists (id, org_id, issuer_id, purpose, capacity, next_index, bits, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(issuer_id)
    .bind(PURPOSE)
    .bind(i64::try_from(LIST_ENTRIES)?)
    .bind(taken)
    .bind(bits.as_bytes().to_vec())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    tracing::info!(status_list.id = %id, issuer.id = %issuer_id, "status list created");
    Ok(id)
}

/// Sets the revocation bit of an entry and drops the cached signed list.
pub async fn set_revoked(
    tx: &mut sqlx::AnyConnection,
    list_id: &str,
    index: usize,
) -> anyhow::Result<()> {
    // Write first: the lock it takes makes the read below see every earlier revocation.
    // `updated_at` always moves forward, since `signed_credential` uses it as a version.
    sqlx::query(
        "UPDATE status_lists SET credential = NULL, \
         updated_at = CASE WHEN $1 > updated_at THEN $1 ELSE updated_at + 1 END WHERE id = $2",
    )
    .bind(now_ms())
    .bind(list_id)
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query("SELECT bits FROM status_lists WHERE id = $1")
        .bind(list_id)
        .fetch_one(&mut *tx)
        .await?;
    let mut list = read_bits(row.get("bits"))?;
    list.set(index, 1)?;
    sqlx::query("UPDATE status_lists SET bits = $1 WHERE id = $2")
        .bind(list.as_bytes().to_vec())
        .bind(list_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The signed `BitstringStatusListCredential` of a list, or `None` when there is no such
/// list. Signed on first request after a change and cached until the next one.
pub async fn signed_credential(state: &AppState, list_id: &str) -> anyhow::Result<Option<Value>> {
    let row = sqlx::query(
        "SELECT org_id, issuer_id, bits, credential, updated_at FROM status_lists WHERE id = $1",
    )
    .bind(list_id)
    .fetch_optional(&state.db().pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if let Some(cached) = row.get::<Option<String>, _>("credential") {
        return Ok(Some(serde_json::from_str(&cached)?));
    }

    let org_id: String = row.get("org_id");
    let issuer_id: String = row.get("issuer_id");
    let issuer = issuer::get(state.db(), &org_id, &issuer_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("status list {list_id} names a missing issuer"))?;
    let list = read_bits(row.get("bits"))?;
    let updated_at: i64 = row.get("updated_at");
    let signed = sign_list(state, &issuer, list_id, &list, updated_at).await?;

    // Cache only if no revocation came in meanwhile; otherwise the next fetch signs again.
    sqlx::query(
        "UPDATE status_lists SET credential = $1 \
         WHERE id = $2 AND updated_at = $3 AND credential IS NULL",
    )
    .bind(signed.to_string())
    .bind(list_id)
    .bind(updated_at)
    .execute(&state.db().pool)
    .await?;
    Ok(Some(signed))
}

async fn sign_list(
    state: &AppState,
    issuer: &issuer::Issuer,
    list_id: &str,
    list: &BitstringStatusList,
    changed_at: i64,
) -> anyhow::Result<Value> {
    // Valid from when the bits last changed, not from when this copy was signed: a verifier
    // takes its "now" before fetching, and a list signed a moment later would otherwise
    // look not yet valid to it.
    let changed = DateTime::from_timestamp(changed_at.div_euclid(1000), 0)
        .ok_or_else(|| anyhow::anyhow!("status list {list_id} has an impossible time"))?;
    let now = whole_seconds(Utc::now());
    let unsigned = NewStatusListCredential {
        id: public_id(state.public_url(), list_id),
        issuer: issuer::public_id(state.public_url(), &issuer.id),
        purpose: StatusPurpose::Revocation,
        valid_from: Some(changed),
        valid_until: None,
        ttl_ms: None,
    }
    .build(list);
    let (key, method) = issuer::signing_key(state, issuer).await?;
    let options = badges::proof::ProofOptions {
        verification_method: method,
        created: now,
    };
    Ok(badges::proof::sign(&unsigned, &key, &options)?)
}

fn read_bits(bytes: Vec<u8>) -> anyhow::Result<BitstringStatusList> {
    // The stored bytes are the raw bitstring; the library reads lists in their encoded form.
    let mut list = BitstringStatusList::new(bytes.len() * 8, 1)?;
    for (index, byte) in bytes.iter().enumerate() {
        for bit in 0..8 {
            if byte & (0x80 >> bit) != 0 {
                list.set(index * 8 + bit, 1)?;
            }
        }
    }
    Ok(list)
}

fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_bits_read_back_into_the_same_list() {
        let mut list = BitstringStatusList::new(LIST_ENTRIES, 1).unwrap();
        for index in [0, 7, 8, 4242, LIST_ENTRIES - 1] {
            list.set(index, 1).unwrap();
        }
        let read = read_bits(list.as_bytes().to_vec()).unwrap();
        assert_eq!(read, list);
        assert_eq!(read.get(4242).unwrap(), 1);
        assert_eq!(read.get(4241).unwrap(), 0);
    }

    #[test]
    fn list_urls_live_under_status() {
        assert_eq!(
            public_id("https://badges.example.org", "abc"),
            "https://badges.example.org/status/abc"
        );
    }
}

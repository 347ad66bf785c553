//! Sealing secrets at rest: issuer private keys are stored encrypted with the master key.
//!
//! The master key comes from `ROSETTE_MASTER_KEY` (base64 of 32 bytes) or, on a first start
//! without one, is generated into `DATA/master.key` (mode 0600) with a warning: whoever holds
//! the database and that file holds the issuer keys, so production deployments should pass
//! the key from a secret store instead. Sealing is AES-256-GCM with a random nonce per value.

use std::path::Path;

use anyhow::{Context, bail};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Seals and opens secrets with the master key.
pub struct Sealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// A sealer for a 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        // A 32-byte key is always valid for AES-256-GCM.
        let unbound = UnboundKey::new(&AES_256_GCM, key).expect("a 32-byte AES-256 key");
        Self {
            key: LessSafeKey::new(unbound),
        }
    }

    /// Loads the master key from settings or the data folder, creating one if neither has it.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        if let Some(text) = configured {
            return Ok(Self::new(
                &parse_key(text).context("ROSETTE_MASTER_KEY is not valid")?,
            ));
        }
        let path = data_dir.join("master.key");
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            return Ok(Self::new(
                &parse_key(&text).context("master.key is not valid")?,
            ));
        }
        let mut key = [0u8; 32];
        SystemRandom::new()
            .fill(&mut key)
            .map_err(|_| anyhow::anyhow!("no system randomness"))?;
        write_private(&path, STANDARD.encode(key).as_bytes())?;
        tracing::warn!(
            path = %path.display(),
            "generated a master key in the data folder; set ROSETTE_MASTER_KEY in production"
        );
        Ok(Self::new(&key))
    }

    /// Encrypts `plain`; `context` (such as the record's id) must be given again to open it.
    pub fn seal(&self, plain: &[u8], context: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        // The system generator does not fail on Linux once booted.
        SystemRandom::new()
            .fill(&mut nonce)
            .expect("system randomness");
        let mut data = plain.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context),
                &mut data,
            )
            .expect("sealing cannot fail for in-memory data");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        out
    }

    /// Decrypts what [`Sealer::seal`] produced with the same `context`.
    pub fn open(&self, sealed: &[u8], context: &str) -> anyhow::Result<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            bail!("the sealed value is truncated");
        }
        let (nonce, data) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).context("bad nonce")?;
        let mut data = data.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context), &mut data)
            .map_err(|_| anyhow::anyhow!("the sealed value does not open with this master key"))?;
        Ok(plain.to_vec())
    }
}

fn parse_key(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = STANDARD.decode(text.trim()).context("not base64")?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("it must be 32 bytes"))
}

/// Writes a new file only its owner can read.
pub fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_context() {
        let sealer = Sealer::new(&[1; 32]);
        let sealed = sealer.seal(b"secret", "key-1");
        assert_ne!(&sealed[NONCE_LEN..], b"secret");
        assert_eq!(sealer.open(&sealed, "key-1").unwrap(), b"secret");
        assert!(sealer.open(&sealed, "key-2").is_err());
        assert!(Sealer::new(&[2; 32]).open(&sealed, "key-1").is_err());
        assert!(sealer.open(&sealed[..5], "key-1").is_err());
    }
}

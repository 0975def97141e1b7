//! The model file: `SRSVDMDL`, format version, payload length, payload (parameters, id maps,
//! factors, biases, counts, rated lists, loss history), checksum; all little-endian.

use std::path::Path;

use super::model::SvdModel;
use super::params::SvdParams;
use crate::util::fs::write_bytes_atomically;
use crate::{Error, Result};

const MAGIC: &[u8; 8] = b"SRSVDMDL";
/// Bumped whenever the payload layout changes; other versions are refused.
pub const FORMAT_VERSION: u32 = 1;
/// The SVD file's magic (`load_any` tells the model kinds apart by it).
pub(super) const SVD_MAGIC: &[u8; 8] = MAGIC;

/// FNV-1a over 64-bit little-endian words (the tail zero-padded): a fast checksum that
/// catches truncation and flipped bytes (not a defence against deliberate tampering).
pub fn checksum(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xCBF2_9CE4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01B3;
    let mut hash = OFFSET ^ bytes.len() as u64;
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    for word in words {
        hash ^= u64::from_le_bytes(word.try_into().expect("8 bytes"));
        hash = hash.wrapping_mul(PRIME);
    }
    let mut last = [0u8; 8];
    last[..tail.len()].copy_from_slice(tail);
    hash ^= u64::from_le_bytes(last);
    hash.wrapping_mul(PRIME)
}

/// Little-endian payload writer, shared by every model file format.
pub(super) struct Writer(pub(super) Vec<u8>);

impl Writer {
    pub(super) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(super) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn f32(&mut self, v: f32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn opt_f32(&mut self, v: Option<f32>) {
        self.u8(v.is_some() as u8);
        self.f32(v.unwrap_or(0.0));
    }
    pub(super) fn f32s(&mut self, values: &[f32]) {
        self.u64(values.len() as u64);
        for v in values {
            self.f32(*v);
        }
    }
    pub(super) fn u32s(&mut self, values: &[u32]) {
        self.u64(values.len() as u64);
        for v in values {
            self.u32(*v);
        }
    }
    pub(super) fn u64s(&mut self, values: &[u64]) {
        self.u64(values.len() as u64);
        for v in values {
            self.u64(*v);
        }
    }
    pub(super) fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    pub(super) fn f64s(&mut self, values: &[f64]) {
        self.u64(values.len() as u64);
        for v in values {
            self.f64(*v);
        }
    }
    pub(super) fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
}

/// The matching reader: every read checks the bounds and says where the payload ended.
pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) position: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self
            .position
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let end = end.ok_or_else(|| format!("payload ends early at byte {}", self.position))?;
        let slice = &self.bytes[self.position..end];
        self.position = end;
        Ok(slice)
    }
    pub(super) fn u8(&mut self) -> std::result::Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    pub(super) fn u32(&mut self) -> std::result::Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    pub(super) fn u64(&mut self) -> std::result::Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    pub(super) fn f32(&mut self) -> std::result::Result<f32, String> {
        Ok(f32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    pub(super) fn opt_f32(&mut self) -> std::result::Result<Option<f32>, String> {
        let present = self.u8()? != 0;
        let value = self.f32()?;
        Ok(present.then_some(value))
    }
    pub(super) fn len(&mut self, item_size: usize) -> std::result::Result<usize, String> {
        let n = self.u64()? as usize;
        if n.saturating_mul(item_size) > self.bytes.len() - self.position {
            return Err(format!(
                "length {n} at byte {} exceeds the payload",
                self.position
            ));
        }
        Ok(n)
    }
    pub(super) fn f32s(&mut self) -> std::result::Result<Vec<f32>, String> {
        let n = self.len(4)?;
        Ok(self
            .take(n * 4)?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4")))
            .collect())
    }
    pub(super) fn u32s(&mut self) -> std::result::Result<Vec<u32>, String> {
        let n = self.len(4)?;
        Ok(self
            .take(n * 4)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4")))
            .collect())
    }
    pub(super) fn u64s(&mut self) -> std::result::Result<Vec<u64>, String> {
        let n = self.len(8)?;
        Ok(self
            .take(n * 8)?
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8")))
            .collect())
    }
    pub(super) fn f64(&mut self) -> std::result::Result<f64, String> {
        Ok(f64::from_bits(self.u64()?))
    }
    pub(super) fn f64s(&mut self) -> std::result::Result<Vec<f64>, String> {
        Ok(self.u64s()?.into_iter().map(f64::from_bits).collect())
    }
    /// Whether every byte has been read.
    pub(super) fn at_end(&self) -> bool {
        self.position == self.bytes.len()
    }
    pub(super) fn string(&mut self) -> std::result::Result<String, String> {
        let n = self.len(1)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| "an id is not UTF-8".to_string())
    }
}

impl SvdModel {
    fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(
            (self.user_factors.len() + self.item_factors.len() + self.rated_titles.len()) * 4
                + 1024,
        ));
        let p = &self.params;
        w.u64(p.n_factors as u64);
        w.u64(p.n_epochs as u64);
        w.u8(p.biased as u8);
        w.f32(p.init_mean);
        w.f32(p.init_std_dev);
        w.f32(p.lr_all);
        w.f32(p.reg_all);
        for v in [
            p.lr_bu, p.lr_bi, p.lr_pu, p.lr_qi, p.reg_bu, p.reg_bi, p.reg_pu, p.reg_qi,
        ] {
            w.opt_f32(v);
        }
        w.u8(p.random_state.is_some() as u8);
        w.u64(p.random_state.unwrap_or(0));
        w.u64(self.seed);
        w.f32(self.global_mean);
        w.f32(self.scale.0);
        w.f32(self.scale.1);
        w.u32(self.generation);
        w.u64s(
            &self
                .user_ids
                .iter()
                .map(|&id| id as u64)
                .collect::<Vec<_>>(),
        );
        w.u64(self.title_ids.len() as u64);
        for id in &self.title_ids {
            w.str(id);
        }
        w.f32s(&self.user_biases);
        w.f32s(&self.item_biases);
        w.f32s(&self.user_factors);
        w.f32s(&self.item_factors);
        w.u32s(&self.user_counts);
        w.u32s(&self.item_counts);
        w.u64s(&self.rated_offsets);
        w.u32s(&self.rated_titles);
        w.u64s(
            &self
                .loss_history
                .iter()
                .map(|l| l.to_bits())
                .collect::<Vec<_>>(),
        );
        w.0
    }

    fn decode(payload: &[u8]) -> std::result::Result<SvdModel, String> {
        let mut r = Reader {
            bytes: payload,
            position: 0,
        };
        let n_factors = r.u64()? as usize;
        let n_epochs = r.u64()? as usize;
        let biased = r.u8()? != 0;
        let init_mean = r.f32()?;
        let init_std_dev = r.f32()?;
        let lr_all = r.f32()?;
        let reg_all = r.f32()?;
        let mut per_parameter = [None; 8];
        for slot in per_parameter.iter_mut() {
            *slot = r.opt_f32()?;
        }
        let has_state = r.u8()? != 0;
        let state = r.u64()?;
        let [lr_bu, lr_bi, lr_pu, lr_qi, reg_bu, reg_bi, reg_pu, reg_qi] = per_parameter;
        let params = SvdParams {
            n_factors,
            n_epochs,
            biased,
            init_mean,
            init_std_dev,
            lr_all,
            reg_all,
            lr_bu,
            lr_bi,
            lr_pu,
            lr_qi,
            reg_bu,
            reg_bi,
            reg_pu,
            reg_qi,
            random_state: has_state.then_some(state),
        };
        let seed = r.u64()?;
        let global_mean = r.f32()?;
        let scale = (r.f32()?, r.f32()?);
        let generation = r.u32()?;
        let user_ids: Vec<i64> = r.u64s()?.into_iter().map(|id| id as i64).collect();
        let n_titles = r.len(8)?;
        let title_ids = (0..n_titles)
            .map(|_| r.string())
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let model = SvdModel {
            user_index: user_ids
                .iter()
                .enumerate()
                .map(|(i, &id)| (id, i as u32))
                .collect(),
            title_index: title_ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), i as u32))
                .collect(),
            params,
            seed,
            n_factors,
            global_mean,
            scale,
            user_biases: r.f32s()?,
            item_biases: r.f32s()?,
            user_factors: r.f32s()?,
            item_factors: r.f32s()?,
            user_counts: r.u32s()?,
            item_counts: r.u32s()?,
            rated_offsets: r.u64s()?,
            rated_titles: r.u32s()?,
            loss_history: r.u64s()?.into_iter().map(f64::from_bits).collect(),
            user_ids,
            title_ids,
            generation,
            item_norms: Vec::new(),
        };
        let (nu, nt) = (model.user_ids.len(), model.title_ids.len());
        let consistent = model.user_biases.len() == nu
            && model.item_biases.len() == nt
            && model.user_factors.len() == nu * n_factors
            && model.item_factors.len() == nt * n_factors
            && model.user_counts.len() == nu
            && model.item_counts.len() == nt
            && model.rated_offsets.len() == nu + 1
            && model.rated_offsets.last().copied() == Some(model.rated_titles.len() as u64)
            && model.rated_titles.iter().all(|&t| (t as usize) < nt)
            && r.position == payload.len();
        if !consistent {
            return Err("inconsistent sizes in the payload".to_string());
        }
        if let Some(part) = model.non_finite_part() {
            return Err(format!("{part} hold values that are not finite numbers"));
        }
        Ok(model)
    }

    /// The first group of parameters holding a value that is not a finite number, if any.
    fn non_finite_part(&self) -> Option<&'static str> {
        let finite = |values: &[f32]| values.iter().all(|v| v.is_finite());
        [
            (&self.user_factors, "user factors"),
            (&self.item_factors, "title factors"),
            (&self.user_biases, "user biases"),
            (&self.item_biases, "title biases"),
        ]
        .into_iter()
        .find(|(values, _)| !finite(values))
        .map(|(_, name)| name)
        .or((!self.global_mean.is_finite()).then_some("global mean"))
    }

    /// Writes the model: `SRSVDMDL`, format version (u32), payload length (u64), payload,
    /// checksum of the payload (u64), all little-endian. A model holding a parameter that is
    /// not a finite number is refused ([`Error::NotSaved`]): it could only answer `NaN`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        if let Some(part) = self.non_finite_part() {
            return Err(Error::NotSaved {
                path: path.to_path_buf(),
                message: format!(
                    "its {part} hold values that are not finite numbers (training diverged): \
                     train again with a lower learning rate"
                ),
            });
        }
        // Atomically (write_framed): a crash or a full disk midway leaves the previous model.
        write_framed(path, MAGIC, FORMAT_VERSION, &self.encode())
    }

    /// Reads a model written by [`SvdModel::save`]; refuses another format version, a file
    /// that is not a model, and a truncated or damaged one.
    pub fn load(path: impl AsRef<Path>) -> Result<SvdModel> {
        let path = path.as_ref();
        let payload = read_framed(path, MAGIC, FORMAT_VERSION, "SVD")?;
        let mut model = SvdModel::decode(&payload).map_err(|m| Error::Model {
            path: path.to_path_buf(),
            message: format!("damaged payload: {m}"),
        })?;
        if model
            .user_factors
            .iter()
            .chain(&model.item_factors)
            .any(|x| !x.is_finite())
        {
            return Err(Error::Model {
                path: path.to_path_buf(),
                message: "non-finite factors (NaN or infinity): the model is unusable".into(),
            });
        }
        model.ensure_item_norms();
        Ok(model)
    }
}

/// The 8-byte magic at the start of a model file, `None` for a shorter file.
pub(super) fn magic_of(path: &Path) -> Result<Option<[u8; 8]>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut magic = [0u8; 8];
    match file.read_exact(&mut magic) {
        Ok(()) => Ok(Some(magic)),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Writes `magic`, `version` (u32), payload length (u64), payload, checksum (u64).
pub(super) fn write_framed(
    path: &Path,
    magic: &[u8; 8],
    version: u32,
    payload: &[u8],
) -> Result<()> {
    let mut bytes = Vec::with_capacity(payload.len() + 28);
    bytes.extend_from_slice(magic);
    bytes.extend_from_slice(&version.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(payload);
    bytes.extend_from_slice(&checksum(payload).to_le_bytes());
    write_bytes_atomically(path, &bytes)
}

/// Reads what [`write_framed`] wrote: refuses another magic (`kind` names the expected
/// model), another version, a truncated file and a checksum mismatch; returns the payload.
pub(super) fn read_framed(
    path: &Path,
    magic: &[u8; 8],
    version: u32,
    kind: &str,
) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let refuse = |message: String| Error::Model {
        path: path.to_path_buf(),
        message,
    };
    if bytes.len() < 20 || &bytes[..8] != magic {
        return Err(refuse(format!(
            "not a streamrec {kind} model file (missing the {} header)",
            String::from_utf8_lossy(magic)
        )));
    }
    let found = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if found != version {
        return Err(refuse(format!(
            "model format version {found}; this streamrec reads version {version} (retrain or save it with a matching streamrec)"
        )));
    }
    let length = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes")) as usize;
    if bytes.len() != 20usize.saturating_add(length).saturating_add(8) {
        return Err(refuse(format!(
            "file is {} bytes, the header announces {} (truncated or damaged)",
            bytes.len(),
            length.saturating_add(28)
        )));
    }
    let stored = u64::from_le_bytes(bytes[20 + length..].try_into().expect("8 bytes"));
    let payload = bytes[20..20 + length].to_vec();
    if checksum(&payload) != stored {
        return Err(refuse("checksum mismatch: the file is damaged".into()));
    }
    Ok(payload)
}

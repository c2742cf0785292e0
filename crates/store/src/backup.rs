//! An online, consistent copy of an SQLite database (`VACUUM INTO`): it reads one snapshot
//! while the server keeps working, and writes a compact file with no `-wal` beside it.

use std::path::Path;

use redress_app::settings::Engine;
use redress_app::store::{StoreError, StoreResult};

use crate::sql::classify;
use crate::SqlStore;

impl SqlStore {
    /// Copies the live SQLite database into `path`, a file that must not exist yet (it is
    /// created owner-only). PostgreSQL has its own tools (`pg_dump`): refused here.
    pub async fn backup_into(&self, path: &Path) -> StoreResult<u64> {
        if self.engine_kind() != Engine::Sqlite {
            return Err(StoreError::Other("a PostgreSQL database is backed up with pg_dump".into()));
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(path)
            .map_err(|e| StoreError::Other(format!("cannot create {}: {e}", path.display())))?;
        let target = path.to_str().ok_or_else(|| StoreError::Other("the backup path is not UTF-8".into()))?;
        let copied = sqlx::query("VACUUM INTO $1").bind(target.to_string()).execute(self.pool()).await;
        if let Err(error) = copied {
            let _ = std::fs::remove_file(path);
            return Err(classify(error));
        }
        std::fs::metadata(path).map(|m| m.len()).map_err(|e| StoreError::Other(e.to_string()))
    }
}

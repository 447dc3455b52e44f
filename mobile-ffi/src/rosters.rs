//! Rosters and the directory on the phone, offline: the user's shifts, who is on duty now, and finding a
//! person to call.

use zhiban_client_core::office_now;

use crate::client::ZhibanClient;
use crate::error::{Result, ZhibanError};
use crate::records::{DirectoryPerson, OnDuty, Shift};

/// At most this many people come back from one search.
const SEARCH_LIMIT: usize = 50;

#[uniffi::export]
impl ZhibanClient {
    /// The user's shifts and periods as leader on duty in the rosters on this phone, in time order.
    pub fn my_shifts(&self) -> Result<Vec<Shift>> {
        Ok(self.core.my_shifts()?.into_iter().map(Into::into).collect())
    }

    /// Who is on duty in `unit` now (the user's own unit when missing): leader, main and deputy officer,
    /// with their phones.
    pub fn on_duty_now(&self, unit: Option<String>) -> Result<OnDuty> {
        let unit = match unit.filter(|u| !u.trim().is_empty()) {
            Some(unit) => unit,
            None => self
                .core
                .viewer()?
                .map(|v| v.unit)
                .ok_or_else(|| ZhibanError::invalid("unit", "give a unit, or log in to use your own"))?,
        };
        Ok(self.core.on_duty(&unit, office_now().naive_local())?.into())
    }

    /// People in the directory whose name, id, phone or unit contains `query` (everyone for an empty
    /// query), by unit and name, at most 50.
    pub fn search_directory(&self, query: String) -> Result<Vec<DirectoryPerson>> {
        let directory = self.core.directory()?;
        let query = query.trim().to_lowercase();
        let mut found: Vec<DirectoryPerson> = directory
            .people
            .keys()
            .filter_map(|id| DirectoryPerson::of(id, &directory))
            .filter(|p| {
                query.is_empty()
                    || [&p.person, &p.name, &p.phone, &p.unit, &p.unit_name]
                        .iter()
                        .any(|field| field.to_lowercase().contains(&query))
            })
            .collect();
        found.sort_by(|a, b| (&a.unit, &a.name).cmp(&(&b.unit, &b.name)));
        found.truncate(SEARCH_LIMIT);
        Ok(found)
    }
}

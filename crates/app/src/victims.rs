//! Registering victims with their consent, reading a victim's record (identity only for those
//! allowed, every such read audited with its purpose), withdrawing consent, and re-encrypting
//! identities under a new key.

use redress_domain::claims::Waiting;
use redress_domain::policy::rules;
use redress_domain::victims::{
    age_band, is_minor, parse_birth_date, parse_country, parse_person_name, DocumentType, Identity, Sex,
    VictimCode,
};
use redress_domain::{FieldError, FieldErrors, Role, Timestamp};
use serde::Serialize;
use serde_json::json;

use crate::accounts::audit_event;
use crate::identity::{
    document, optional_account, optional_text as text, representative, text_list, RepresentativeInput,
};
use crate::protect::KeyRing;
use crate::store::{Page, VictimRecord, WriteTx};
use crate::{Actor, App, AppError, RequestContext};

pub use crate::identity::TEXT_LENGTH_MAX;

/// A registration as received (unparsed).
#[derive(Debug, Clone, Default)]
pub struct RegisterVictim {
    pub given_names: String,
    pub surnames: String,
    pub document_type: String,
    pub document_number: String,
    /// Issuing country (ISO 3166 alpha-2); default: the nationality.
    pub document_country: Option<String>,
    pub birth_date: String,
    pub sex: String,
    pub nationality: String,
    /// The victim agreed to the processing of personal data.
    pub consent: bool,
    pub consent_scope: Option<String>,
    pub contact: Option<String>,
    pub address: Option<String>,
    pub bank_account: Option<String>,
    pub legal_representative: Option<RepresentativeInput>,
    /// Region (department) where the victim lives or was identified: statistics only.
    pub region: Option<String>,
    /// Type of exploitation (HTCDS `vic_TypeOfExploitation`): statistics only.
    pub exploitation: Option<String>,
    /// Languages spoken (kept in the protected identity).
    pub languages: Vec<String>,
    /// HTCDS context, kept in the protected identity.
    pub recruitment: Option<String>,
    pub methods_of_control: Vec<String>,
}

/// A correction of a victim's record, as received.
#[derive(Debug, Clone, Default)]
pub struct VictimCorrection {
    pub identity: crate::identity::IdentityPatch,
    pub sex: Option<String>,
    pub nationality: Option<String>,
    pub region: Option<Option<String>>,
    pub exploitation: Option<Option<String>>,
    /// Why the record is corrected (required).
    pub reason: Option<String>,
}

/// A victim's record as a caller may see it.
#[derive(Debug, Clone, Serialize)]
pub struct VictimView {
    pub code: String,
    pub sex: String,
    pub nationality: String,
    pub age_band: String,
    pub minor: bool,
    pub region: Option<String>,
    pub exploitation: Option<String>,
    pub consent_given_at: Timestamp,
    pub consent_scope: String,
    pub consent_withdrawn_at: Option<Timestamp>,
    pub institution_id: i64,
    pub created_at: Timestamp,
    /// Present only for callers allowed to see it, while consent stands.
    pub identity: Option<Identity>,
    /// Why the identity is not shown (`not_allowed`, `consent_withdrawn`), when it is not.
    pub identity_withheld: Option<&'static str>,
}

fn optional_text(errors: &mut FieldErrors, field: &str, value: &Option<String>) -> Option<String> {
    text(errors, field, value.as_deref())
}

/// Why consent was withdrawn, as codes (`consent-reason-<code>` in the pages).
pub const CONSENT_WITHDRAWAL_REASONS: &[&str] =
    &["victim_request", "representative_request", "no_contact", "other"];

impl App {
    pub(crate) fn key_ring(&self) -> Result<&KeyRing, AppError> {
        self.keys.as_deref().ok_or_else(|| AppError::Internal("no data keys are loaded".into()))
    }

    fn view(
        &self,
        record: &VictimRecord,
        identity: Option<Identity>,
        withheld: Option<&'static str>,
    ) -> VictimView {
        VictimView {
            code: record.code.clone(),
            sex: record.sex.clone(),
            nationality: record.nationality.clone(),
            age_band: record.age_band.clone(),
            minor: record.minor,
            region: record.region.clone(),
            exploitation: record.exploitation.clone(),
            consent_given_at: record.consent_given_at,
            consent_scope: record.consent_scope.clone(),
            consent_withdrawn_at: record.consent_withdrawn_at,
            institution_id: record.institution_id.0,
            created_at: record.created_at,
            identity,
            identity_withheld: withheld,
        }
    }

    /// Registers a victim of the actor's institution. Every field is checked first; a document
    /// already registered is a conflict naming the existing code; the identity is sealed before
    /// it reaches storage.
    pub async fn register_victim(
        &self,
        actor: &Actor,
        context: &RequestContext,
        request: RegisterVictim,
    ) -> Result<VictimView, AppError> {
        actor.require(rules::REGISTER_VICTIMS)?;
        let institution_id = actor.institution_id.ok_or(AppError::Forbidden)?;
        let keys = self.key_ring()?;
        let now = self.clock.now();
        let today = self.local_date(now);
        let Registration { identity, profile } = Registration::read(&request, today)?;
        let Profile { sex, nationality, birth_date, region, exploitation, consent_scope } = profile;
        let minor = is_minor(birth_date, today);
        let document_index = keys.blind_index(identity.document_type.as_str(), &identity.document_number);

        let mut tx = self.store.write().await?;
        document_unique(&mut *tx, &document_index, None).await?;
        let year = today.year();
        let number = tx.last_victim_number(year).await?.checked_add(1).ok_or_else(|| {
            AppError::Conflict(FieldError::new("victim", format!("no victim number is left in {year}")))
        })?;
        let code = VictimCode::new(year, number);
        let plain = serde_json::to_vec(&identity).map_err(|e| AppError::Internal(e.to_string()))?;
        let record = VictimRecord {
            id: 0,
            code: code.as_str().to_string(),
            year,
            number,
            institution_id,
            identity: keys.seal(&plain, code.as_str())?,
            document_index,
            sex: sex.as_str().to_string(),
            nationality,
            age_band: age_band(birth_date, today).to_string(),
            minor,
            region,
            exploitation,
            consent_given_at: now,
            consent_scope,
            consent_withdrawn_at: None,
            created_at: now,
            created_by: actor.username.clone(),
        };
        let id = tx.insert_victim(&record).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "victim.register",
            Some(("victim", code.as_str().to_string())),
            json!({"consent_scope": record.consent_scope, "minor": minor}),
        ))
        .await?;
        tx.commit().await?;
        Ok(self.view(&VictimRecord { id, ..record }, Some(identity), None))
    }

    /// A victim's record. The identity is included only when the caller's roles allow it and
    /// consent stands; such a read is written to the audit trail with its `purpose` before the
    /// identity is returned.
    pub async fn victim(
        &self,
        actor: &Actor,
        context: &RequestContext,
        code: &str,
        purpose: Option<&str>,
    ) -> Result<VictimView, AppError> {
        actor.require(rules::READ_VICTIMS)?;
        let code = VictimCode::parse(code)?;
        let record = self
            .store
            .read()
            .await?
            .victim(code.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no victim has the code {code}")))?;
        let same_institution = match actor.institution_id {
            Some(institution) if institution == record.institution_id => true,
            Some(institution) if actor.has_role(Role::VictimServices) => {
                self.store.read().await?.victim_referred_to(record.id, institution).await?
            }
            _ => false,
        };
        let handles_cases = actor.roles.iter().any(|r| matches!(r, Role::Prosecutor | Role::CourtClerk));
        let in_their_case = match (handles_cases, actor.institution_id) {
            (true, Some(institution)) => {
                self.store.read().await?.victim_in_cases_of(record.id, institution).await?
            }
            _ => false,
        };
        // Payment batches arrive with their issue; until then no treasurer is a batch's payer.
        if !rules::identity_visible(&actor.roles, same_institution, in_their_case, false) {
            return Ok(self.view(&record, None, Some("not_allowed")));
        }
        if record.consent_withdrawn_at.is_some() {
            return Ok(self.view(&record, None, Some("consent_withdrawn")));
        }
        let purpose = match purpose.map(str::trim) {
            Some(text)
                if !text.is_empty()
                    && text.chars().count() <= 200
                    && !text.chars().any(redress_domain::user::is_hidden_char) =>
            {
                text.to_string()
            }
            Some(_) => {
                return Err(FieldError::new("purpose", "must be one line of 1 to 200 characters").into())
            }
            None => "record_view".to_string(),
        };
        let plain = self.key_ring()?.open(&record.identity, &record.code)?;
        let identity: Identity = serde_json::from_slice(&plain)
            .map_err(|_| AppError::Internal("a sealed identity is malformed".into()))?;
        let mut tx = self.store.write().await?;
        let mut event = audit_event(
            actor,
            context,
            self.clock.now(),
            "victim.identity_read",
            Some(("victim", record.code.clone())),
            json!({}),
        );
        event.purpose = Some(purpose);
        tx.append_audit(event).await?;
        tx.commit().await?;
        Ok(self.view(&record, Some(identity), None))
    }

    /// Refers a victim to another institution, whose victim services then see the victim as
    /// their own. Only the registering institution refers.
    pub async fn refer_victim(
        &self,
        actor: &Actor,
        context: &RequestContext,
        code: &str,
        institution_id: i64,
    ) -> Result<VictimView, AppError> {
        actor.require(rules::REGISTER_VICTIMS)?;
        let code = VictimCode::parse(code)?;
        let mut tx = self.store.write().await?;
        let record = tx
            .victim(code.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no victim has the code {code}")))?;
        if actor.institution_id != Some(record.institution_id) {
            return Err(AppError::Forbidden);
        }
        let target = redress_domain::InstitutionId(institution_id);
        if tx.institution_by_id(target).await?.is_none() {
            return Err(FieldError::new("institution_id", "no institution has this id").into());
        }
        if target == record.institution_id || tx.victim_referred_to(record.id, target).await? {
            return Err(AppError::Conflict(FieldError::new(
                "institution_id",
                "the victim is already with this institution",
            )));
        }
        let now = self.clock.now();
        tx.insert_referral(record.id, target, now, &actor.username).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "victim.refer",
            Some(("victim", record.code.clone())),
            json!({"institution_id": institution_id}),
        ))
        .await?;
        tx.commit().await?;
        Ok(self.view(&record, None, None))
    }

    /// The institutions a victim may be referred to, by id (the referral form's choices): names
    /// and kinds only, for victim services, at most [`crate::accounts::PAGE_LIMIT_MAX`].
    pub async fn referral_institutions(
        &self,
        actor: &Actor,
    ) -> Result<Vec<crate::store::Institution>, AppError> {
        actor.require(rules::REGISTER_VICTIMS)?;
        let page = crate::store::Page { after: None, limit: crate::accounts::PAGE_LIMIT_MAX };
        let all = self.store.read().await?.institutions(page).await?;
        Ok(all.into_iter().filter(|i| Some(i.id) != actor.institution_id).collect())
    }

    /// Finds victims by identity document through its blind index, without decrypting anything.
    /// Answers codes only; the look-up is audited because it links a document to a code.
    pub async fn find_victims_by_document(
        &self,
        actor: &Actor,
        context: &RequestContext,
        document_type: &str,
        document_number: &str,
    ) -> Result<Vec<String>, AppError> {
        actor.require(rules::READ_VICTIMS)?;
        let document_type = DocumentType::parse(document_type)?;
        let number = document_type.normalize_number(document_number)?;
        let index = self.key_ring()?.blind_index(document_type.as_str(), &number);
        let mut tx = self.store.write().await?;
        let codes: Vec<String> =
            tx.victims_with_document(&index).await?.into_iter().map(|v| v.code).collect();
        tx.append_audit(audit_event(
            actor,
            context,
            self.clock.now(),
            "victim.lookup",
            None,
            json!({"document_type": document_type.as_str(), "found": codes}),
        ))
        .await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Records that the victim withdrew consent: from then on nobody sees the identity; the
    /// record and its statistics remain.
    pub async fn withdraw_consent(
        &self,
        actor: &Actor,
        context: &RequestContext,
        code: &str,
    ) -> Result<VictimView, AppError> {
        self.withdraw_consent_because(actor, context, code, None).await
    }

    /// [`App::withdraw_consent`] with the reason given, one of [`CONSENT_WITHDRAWAL_REASONS`]
    /// (a code, audited; never free text about the victim).
    pub async fn withdraw_consent_because(
        &self,
        actor: &Actor,
        context: &RequestContext,
        code: &str,
        reason: Option<&str>,
    ) -> Result<VictimView, AppError> {
        actor.require(rules::REGISTER_VICTIMS)?;
        if let Some(reason) = reason.filter(|r| !CONSENT_WITHDRAWAL_REASONS.contains(r)) {
            return Err(FieldError::new("reason", format!("no withdrawal reason is called {reason}")).into());
        }
        let code = VictimCode::parse(code)?;
        let mut tx = self.store.write().await?;
        let record = tx
            .victim(code.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no victim has the code {code}")))?;
        if actor.institution_id != Some(record.institution_id) {
            return Err(AppError::Forbidden);
        }
        if record.consent_withdrawn_at.is_some() {
            return Err(AppError::Conflict(FieldError::new("consent", "was already withdrawn")));
        }
        let now = self.clock.now();
        tx.set_consent_withdrawn(code.as_str(), now).await?;
        tx.append_audit(audit_event(
            actor,
            context,
            now,
            "victim.consent_withdraw",
            Some(("victim", record.code.clone())),
            match reason {
                Some(reason) => json!({ "reason": reason }),
                None => json!({}),
            },
        ))
        .await?;
        tx.commit().await?;
        Ok(self.view(
            &VictimRecord { consent_withdrawn_at: Some(now), ..record },
            None,
            Some("consent_withdrawn"),
        ))
    }

    /// Corrects a victim's record (victim services of the victim's institution): any identity
    /// field, the bank account and the representative included, with a reason. The identity as
    /// it was is kept, sealed, in the record's history; the change is audited with the names of
    /// the fields (never their values). Claims that waited for new payee details wait no more.
    pub async fn correct_victim(
        &self,
        actor: &Actor,
        context: &RequestContext,
        code: &str,
        correction: VictimCorrection,
    ) -> Result<VictimView, AppError> {
        actor.require(rules::REGISTER_VICTIMS)?;
        let code = VictimCode::parse(code)?;
        let keys = self.key_ring()?;
        let today = self.today();
        let mut errors = FieldErrors::new();
        let reason = correction_reason(correction.reason.as_deref(), &mut errors);
        let mut fields: Vec<String> = correction.identity.fields().iter().map(|f| f.to_string()).collect();
        let changes = RecordChanges::read(&correction, &mut errors, &mut fields);
        if fields.is_empty() {
            errors.push(FieldError::new("fields", "name at least one field to correct"));
        }
        let mut tx = self.store.write().await?;
        let record = correctable(&mut *tx, actor, &code).await?;
        let current: Identity = serde_json::from_slice(&keys.open(&record.identity, &record.code)?)
            .map_err(|_| AppError::Internal("a sealed identity is malformed".into()))?;
        let next = match correction.identity.apply(&current, today) {
            Ok(next) => Some(next),
            Err(found) => {
                errors.0.extend(found.0);
                None
            }
        };
        errors.into_result()?;
        let (Some(next), Some(reason)) = (next, reason) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let birth =
            next.birth().ok_or_else(|| AppError::Internal("a stored birth date is malformed".into()))?;
        let minor = is_minor(birth, today);
        if minor && next.legal_representative.is_none() {
            return Err(FieldError::new("legal_representative", "is required for a minor").into());
        }
        let document_index = keys.blind_index(next.document_type.as_str(), &next.document_number);
        document_unique(&mut *tx, &document_index, Some(record.id)).await?;
        let now = self.clock.now();
        let plain = serde_json::to_vec(&next).map_err(|e| AppError::Internal(e.to_string()))?;
        let updated = VictimRecord {
            identity: keys.seal(&plain, &record.code)?,
            document_index,
            sex: changes.sex.map_or(record.sex.clone(), |s| s.as_str().to_string()),
            nationality: changes.nationality.unwrap_or_else(|| record.nationality.clone()),
            age_band: age_band(birth, today).to_string(),
            minor,
            region: changes.region.unwrap_or_else(|| record.region.clone()),
            exploitation: changes.exploitation.unwrap_or_else(|| record.exploitation.clone()),
            ..record.clone()
        };
        tx.update_victim(&updated).await?;
        tx.insert_identity_change(
            record.id,
            &crate::store::IdentityChange {
                previous: record.identity.clone(),
                fields: fields.clone(),
                reason: reason.clone(),
                changed_at: now,
                changed_by: actor.username.clone(),
            },
        )
        .await?;
        let released = if fields.iter().any(|f| PAYEE_FIELDS.contains(&f.as_str())) {
            self.release_claims_waiting_for_payee(&mut *tx, record.id, &actor.username).await?
        } else {
            Vec::new()
        };
        let mut event = audit_event(
            actor,
            context,
            now,
            "victim.correct",
            Some(("victim", record.code.clone())),
            json!({"fields": fields, "reason": reason, "claims_released": released}),
        );
        event.purpose = Some("correction".into());
        tx.append_audit(event).await?;
        tx.commit().await?;
        Ok(self.view(&updated, Some(next), None))
    }

    /// Claims of this victim that waited for new payee details go back to the queue.
    async fn release_claims_waiting_for_payee(
        &self,
        tx: &mut dyn crate::store::WriteTx,
        victim_id: i64,
        by: &str,
    ) -> Result<Vec<i64>, AppError> {
        let filter = crate::store::ClaimFilter { victim_id: Some(victim_id), ..Default::default() };
        let claims = tx.claims(&filter, Page { after: None, limit: 1_000 }).await?;
        let mut released = Vec::new();
        for mut claim in claims.into_iter().filter(|c| c.waiting_for == Some(Waiting::PayeeDetails)) {
            claim.waiting_for = None;
            tx.update_claim(&claim).await?;
            tx.insert_claim_event(
                claim.id,
                &crate::store::ClaimEvent {
                    from_state: Some(claim.state),
                    to_state: claim.state,
                    at: self.clock.now(),
                    by: by.to_string(),
                    note: Some("payee_details_corrected".into()),
                },
            )
            .await?;
            released.push(claim.id);
        }
        Ok(released)
    }

    /// Checks that the loaded key ring belongs to this database: every key the database has
    /// seen must be in the ring and open its check value; keys new to the database get one.
    /// Run at start-up, before anything is sealed, so a wrong key file stops the server.
    pub async fn check_data_keys(&self) -> Result<(), AppError> {
        const CHECK: &[u8] = b"redress-data-key-check";
        let keys = self.key_ring()?;
        let mut tx = self.store.write().await?;
        let known = tx.data_key_checks().await?;
        for (key_id, sealed) in &known {
            let opened = keys.open(sealed, "data-key-check").map_err(|_| {
                AppError::Internal(format!(
                    "the data key file does not match this database: key {key_id} is missing from it or differs"
                ))
            })?;
            if opened != CHECK {
                return Err(AppError::Internal(format!("the check value of data key {key_id} is wrong")));
            }
        }
        let mut added = Vec::new();
        for key_id in keys.key_ids() {
            if !known.iter().any(|(id, _)| id == &key_id) {
                tx.insert_data_key_check(&key_id, &keys.seal_with(&key_id, CHECK, "data-key-check")?).await?;
                added.push(key_id);
            }
        }
        if !added.is_empty() {
            tx.append_audit(audit_event(
                &Actor::system(),
                &RequestContext::default(),
                self.clock.now(),
                "keys.register",
                None,
                json!({"keys": added}),
            ))
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Re-encrypts every identity not sealed under the ring's current key, in batches, and
    /// returns how many were re-sealed. The caller has saved the ring (with the old keys still
    /// in it) before calling, so an interruption leaves every record readable.
    pub async fn reseal_identities(&self, keys: &KeyRing) -> Result<usize, AppError> {
        let mut after = None;
        let mut resealed = 0_usize;
        loop {
            let page = self.store.read().await?.victims(Page { after, limit: 500 }).await?;
            let Some(last) = page.last().map(|v| v.id) else { break };
            let mut tx = self.store.write().await?;
            let mut changed = 0_usize;
            for record in
                page.iter().filter(|v| KeyRing::key_id_of(&v.identity) != Some(keys.current_key_id()))
            {
                let plain = keys.open(&record.identity, &record.code)?;
                tx.set_victim_identity(&record.code, &keys.seal(&plain, &record.code)?).await?;
                changed = changed.saturating_add(1);
            }
            if changed > 0 {
                tx.append_audit(audit_event(
                    &Actor::operator(),
                    &RequestContext::default(),
                    self.clock.now(),
                    "victim.identities_reseal",
                    None,
                    json!({"count": changed, "key": keys.current_key_id()}),
                ))
                .await?;
                tx.commit().await?;
            }
            resealed = resealed.saturating_add(changed);
            after = Some(last);
        }
        Ok(resealed)
    }
}

/// The identity fields a payment is made with: correcting one releases claims that waited for
/// new payee details.
const PAYEE_FIELDS: [&str; 6] =
    ["given_names", "surnames", "document_type", "document_number", "bank_account", "legal_representative"];

/// What registration records outside the sealed identity.
struct Profile {
    sex: Sex,
    nationality: String,
    birth_date: time::Date,
    region: Option<String>,
    exploitation: Option<String>,
    consent_scope: String,
}

/// A registration read and checked: the identity to seal and the pseudonymous profile.
struct Registration {
    identity: Identity,
    profile: Profile,
}

impl Registration {
    fn read(request: &RegisterVictim, today: time::Date) -> Result<Registration, AppError> {
        let mut errors = FieldErrors::new();
        let given_names = errors.check(parse_person_name("given_names", &request.given_names));
        let surnames = errors.check(parse_person_name("surnames", &request.surnames));
        let document = document(&mut errors, "", &request.document_type, &request.document_number);
        let nationality = errors.check(parse_country("nationality", &request.nationality));
        let document_country = match &request.document_country {
            Some(country) => errors.check(parse_country("document_country", country)),
            None => nationality.clone(),
        };
        let birth_date = errors.check(parse_birth_date(&request.birth_date, today));
        let sex = errors.check(Sex::parse(&request.sex));
        if !request.consent {
            errors.push(FieldError::new(
                "consent",
                "the victim's consent to the processing of personal data is required to register them",
            ));
        }
        let consent_scope = optional_text(&mut errors, "consent_scope", &request.consent_scope)
            .unwrap_or_else(|| "reparation_fund".to_string());
        let contact = optional_text(&mut errors, "contact", &request.contact);
        let address = optional_text(&mut errors, "address", &request.address);
        let bank_account = optional_account(&mut errors, "bank_account", request.bank_account.as_deref());
        let legal_representative =
            request.legal_representative.as_ref().and_then(|input| representative(&mut errors, input));
        let region = optional_text(&mut errors, "region", &request.region);
        let exploitation = optional_text(&mut errors, "exploitation", &request.exploitation);
        let recruitment = optional_text(&mut errors, "recruitment", &request.recruitment);
        let languages = text_list(&mut errors, "languages", &request.languages);
        let methods_of_control = text_list(&mut errors, "methods_of_control", &request.methods_of_control);
        if birth_date.is_some_and(|birth| is_minor(birth, today)) && request.legal_representative.is_none() {
            errors.push(FieldError::new("legal_representative", "is required for a minor"));
        }
        errors.into_result()?;
        let (Some(given_names), Some(surnames), Some((document_type, document_number)), Some(nationality)) =
            (given_names, surnames, document, nationality)
        else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let (Some(document_country), Some(birth_date), Some(sex)) = (document_country, birth_date, sex)
        else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let identity = Identity {
            given_names,
            surnames,
            document_type,
            document_number,
            document_country,
            birth_date: birth_date.to_string(),
            contact,
            address,
            bank_account,
            legal_representative,
            languages,
            recruitment,
            methods_of_control,
        };
        let profile = Profile { sex, nationality, birth_date, region, exploitation, consent_scope };
        Ok(Registration { identity, profile })
    }
}

/// A correction's required reason: one line of at most 500 characters.
fn correction_reason(text: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
    match text.map(str::trim) {
        Some(r)
            if !r.is_empty()
                && r.chars().count() <= 500
                && !r.chars().any(redress_domain::user::is_hidden_char) =>
        {
            Some(r.to_string())
        }
        Some(r) if !r.is_empty() => {
            errors.push(FieldError::new("reason", "must be one line of at most 500 characters"));
            None
        }
        _ => {
            errors.push(FieldError::new("reason", "a correction states its reason"));
            None
        }
    }
}

/// Corrections to the pseudonymous profile (outside the sealed identity).
struct RecordChanges {
    sex: Option<Sex>,
    nationality: Option<String>,
    region: Option<Option<String>>,
    exploitation: Option<Option<String>>,
}

impl RecordChanges {
    /// Reads them, naming each one given in `fields`.
    fn read(
        correction: &VictimCorrection,
        errors: &mut FieldErrors,
        fields: &mut Vec<String>,
    ) -> RecordChanges {
        let sex = correction.sex.as_deref().and_then(|v| errors.check(Sex::parse(v)));
        let nationality =
            correction.nationality.as_deref().and_then(|v| errors.check(parse_country("nationality", v)));
        let region = correction.region.as_ref().map(|v| optional_text(errors, "region", v));
        let exploitation = correction.exploitation.as_ref().map(|v| optional_text(errors, "exploitation", v));
        for (set, name) in [
            (correction.sex.is_some(), "sex"),
            (correction.nationality.is_some(), "nationality"),
            (correction.region.is_some(), "region"),
            (correction.exploitation.is_some(), "exploitation"),
        ] {
            if set {
                fields.push(name.to_string());
            }
        }
        RecordChanges { sex, nationality, region, exploitation }
    }
}

/// The victim to correct: one of the caller's institution whose consent stands.
async fn correctable(
    tx: &mut dyn WriteTx,
    actor: &Actor,
    code: &VictimCode,
) -> Result<VictimRecord, AppError> {
    let record = tx
        .victim(code.as_str())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no victim has the code {code}")))?;
    if actor.institution_id != Some(record.institution_id) {
        return Err(AppError::Forbidden);
    }
    if record.consent_withdrawn_at.is_some() {
        return Err(AppError::Conflict(FieldError::new(
            "consent",
            "the victim withdrew consent: the identity is no longer processed",
        )));
    }
    Ok(record)
}

/// One document, one victim: another victim (than `except`) with the same document is a conflict.
async fn document_unique(tx: &mut dyn WriteTx, index: &str, except: Option<i64>) -> Result<(), AppError> {
    if let Some(other) = tx.victims_with_document(index).await?.into_iter().find(|v| Some(v.id) != except) {
        return Err(AppError::Conflict(FieldError::new(
            "document_number",
            format!("a victim with this document is already registered as {}", other.code),
        )));
    }
    Ok(())
}

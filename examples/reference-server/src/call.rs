//! The call task: one per inbound call, the B2BUA's brain. It owns the call's IVR `Session` and
//! its state (ivr → queued → offering → bridged → after → done), asks the sip task to answer,
//! invite agents and hang up legs, asks its media worker to play, bridge and record, tells the ACD
//! task what happened, and writes the CDR row when the call is over.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use hotline_ivr::Session;
use hotline_ivr::session::{Action, Call as IvrCall, Output, QueueEvent};
use hotline_media::{Codec, LegConfig, LegId, MediaEvent, Quality};
use hotline_sip::sdp::SessionDescription;
use hotline_sip::sdp::offer_answer::{AudioCodec, AudioConfig, accept_answer, answer, offer};
use tokio::sync::{mpsc, oneshot};

use crate::acd::{AcdInput, AcdNotice};
use crate::flight::Record;
use crate::media::{MediaCommand, MediaHandle};
use crate::server::Shared;
use crate::sip::{SipCommand, SipInput};
use crate::store::{Cdr, StoreCommand};

/// How a call starts: what the sip task learnt from the INVITE.
#[derive(Debug, Clone)]
pub struct CallSetup {
    /// The server's call number.
    pub call: u64,
    /// The caller leg's Call-ID.
    pub call_id: String,
    /// The caller's number.
    pub caller: String,
    /// The number dialled.
    pub dialled: String,
    /// The flow's name.
    pub flow: String,
    /// The language to start in.
    pub language: Option<String>,
    /// The SDP offer.
    pub offer: String,
}

/// What a call task hears.
#[derive(Debug)]
pub enum CallEvent {
    /// A leg ended: BYE received (code 0), CANCEL (487), a final refusal, or a timeout (408).
    LegEnded {
        /// The leg.
        call_id: String,
        /// The status.
        code: u16,
    },
    /// An agent's phone rings (18x).
    AgentProgress {
        /// The agent leg.
        call_id: String,
        /// The status.
        code: u16,
    },
    /// An agent answered.
    AgentAnswered {
        /// The agent leg.
        call_id: String,
        /// The SDP answer.
        sdp: String,
    },
    /// A re-INVITE or UPDATE on a leg (hold, resume, a new address), already answered.
    Reoffer {
        /// The leg.
        call_id: String,
        /// The new offer, if it carried one.
        sdp: Option<String>,
    },
    /// An INVITE went to an agent (the leg's port is bound).
    AgentInvited(AgentLeg),
    /// An agent could not be invited (no contact, no port).
    AgentUnreachable {
        /// The agent.
        agent: String,
    },
    /// The media leg of an answering agent is ready.
    AgentLegReady {
        /// The agent leg's Call-ID.
        call_id: String,
        /// The media leg.
        leg: LegId,
    },
    /// News from the media worker.
    Media(MediaEvent),
    /// News from the ACD.
    Acd(AcdNotice),
    /// The server is stopping: end the call now.
    Shutdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Ivr,
    Queued,
    Bridged,
    /// Back in the flow after the agent (a survey).
    After,
    Done,
}

/// An agent leg of the call.
#[derive(Debug)]
pub struct AgentLeg {
    agent: String,
    call_id: String,
    leg: Option<LegId>,
    port: u16,
    offered_at: Instant,
    wrap_up: Duration,
}

struct CallTask {
    shared: Arc<Shared>,
    setup: CallSetup,
    events_tx: mpsc::UnboundedSender<CallEvent>,
    media: MediaHandle,
    session: Session,
    program: Arc<hotline_ivr::Program>,
    phase: Phase,
    caller_leg: Option<LegId>,
    codec: AudioCodec,
    telephone_event: Option<u8>,
    ringing: Vec<AgentLeg>,
    connected: Option<AgentLeg>,
    hangup_after_prompt: bool,
    playing: bool,
    music: Option<hotline_media::Prompt>,
    cdr: Cdr,
    path: Vec<String>,
    queued_at: Option<Instant>,
    bridged_at: Option<Instant>,
    caller_gone: bool,
    /// Answers and refusals that arrived before their leg's [`CallEvent::AgentInvited`].
    early: Vec<(String, Early)>,
}

enum Early {
    Answered(String),
    Ended(u16),
}

/// Starts the call task for `setup`.
pub fn spawn(
    shared: Arc<Shared>,
    setup: CallSetup,
    events_tx: mpsc::UnboundedSender<CallEvent>,
    events_rx: mpsc::UnboundedReceiver<CallEvent>,
) {
    let Some(flow) = shared.settings.flows.get(&setup.flow).cloned() else {
        shared.live_calls.fetch_sub(1, Ordering::Relaxed);
        let _ = shared.sip.send(SipInput::Command(SipCommand::Reject {
            call_id: setup.call_id,
            code: 500,
            reason: "Server Internal Error (no such flow)",
        }));
        return;
    };
    let media = shared.media.pick();
    let cdr = Cdr {
        call: setup.call,
        started: jiff::Timestamp::now().to_string(),
        caller: setup.caller.clone(),
        dialled: setup.dialled.clone(),
        caller_call_id: setup.call_id.clone(),
        ..Cdr::default()
    };
    let task = CallTask {
        session: Session::new(Arc::clone(&flow.program)),
        program: Arc::clone(&flow.program),
        shared,
        setup,
        events_tx,
        media,
        phase: Phase::Ivr,
        caller_leg: None,
        codec: AudioCodec::Pcmu,
        telephone_event: None,
        ringing: Vec::new(),
        connected: None,
        hangup_after_prompt: false,
        playing: false,
        music: None,
        cdr,
        path: Vec::new(),
        queued_at: None,
        bridged_at: None,
        caller_gone: false,
        early: Vec::new(),
    };
    let span = tracing::info_span!("call", id = task.setup.call, call_id = %task.setup.call_id);
    tokio::spawn(tracing::Instrument::instrument(task.run(events_rx), span));
}

fn other_codec(c: AudioCodec) -> AudioCodec {
    if c == AudioCodec::Pcmu { AudioCodec::Pcma } else { AudioCodec::Pcmu }
}

fn codec_of(c: AudioCodec) -> Codec {
    match c {
        AudioCodec::Pcma => Codec::Pcma,
        _ => Codec::Pcmu,
    }
}

impl CallTask {
    fn sip(&self, c: SipCommand) {
        let _ = self.shared.sip.send(SipInput::Command(c));
    }

    fn acd(&self, i: AcdInput) {
        let _ = self.shared.acd.tx.send(i);
    }

    fn id(&self) -> u64 {
        self.setup.call
    }

    // ANCHOR: run
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<CallEvent>) {
        if let Err(reason) = self.answer().await {
            tracing::info!("not answered: {reason}");
            self.sip(SipCommand::Reject {
                call_id: self.setup.call_id.clone(),
                code: 488,
                reason: "Not Acceptable Here",
            });
            self.media.close(self.id()).await;
            self.shared.live_calls.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        tracing::info!(caller = %self.setup.caller, dialled = %self.setup.dialled, "answered");
        self.start_ivr();
        let mut shutdown = self.shared.shutdown.clone();
        while self.phase != Phase::Done {
            let due = self.session.poll_timeout();
            let sleep = due.map(|t| {
                let wait = t.duration_since(jiff::Timestamp::now()).unsigned_abs();
                let wait = if t <= jiff::Timestamp::now() { Duration::ZERO } else { wait };
                tokio::time::Instant::now() + wait
            });
            tokio::select! {
                ev = rx.recv() => match ev {
                    Some(ev) => self.event(ev),
                    None => break,
                },
                Ok(()) = shutdown.changed() => self.event(CallEvent::Shutdown),
                _ = crate::server::sleep_until(sleep) => {
                    let now = jiff::Timestamp::now();
                    self.shared.flight.log(Record::IvrTimeout { call: self.id(), at: now });
                    self.session.handle_timeout(now);
                    self.outputs();
                }
            }
        }
        self.finish().await;
    }
    // ANCHOR_END: run

    // ANCHOR: answer
    /// Negotiates the caller's SDP, opens the media session and answers.
    async fn answer(&mut self) -> Result<(), String> {
        let advertise = self.shared.settings.advertise;
        let offered =
            SessionDescription::parse(&self.setup.offer).map_err(|e| format!("SDP offer: {e}"))?;
        let probe = answer(&offered, &AudioConfig::new(advertise, 9)).map_err(|e| e.to_string())?;
        self.codec = probe.codec;
        self.telephone_event = probe.telephone_event;
        self.media.send(MediaCommand::Open { call: self.id(), events: self.events_tx.clone() });
        let port = self.media.bind(self.id()).await?;
        let mut local = AudioConfig::new(advertise, port);
        local.session_id = self.id();
        let negotiated = answer(&offered, &local).map_err(|e| e.to_string())?;
        let mut leg = LegConfig::new(codec_of(negotiated.codec));
        leg.telephone_event = negotiated.telephone_event;
        leg.remote = negotiated.remote;
        let leg = self.media.add_leg(self.id(), port, leg).await?;
        self.caller_leg = Some(leg);
        self.sip(SipCommand::Answer {
            call_id: self.setup.call_id.clone(),
            sdp: negotiated.sdp.to_string(),
        });
        Ok(())
    }
    // ANCHOR_END: answer

    fn start_ivr(&mut self) {
        let now = jiff::Timestamp::now();
        let info = IvrCall {
            caller: self.setup.caller.clone(),
            dialled: self.setup.dialled.clone(),
            lang: self.setup.language.clone(),
            vars: BTreeMap::new(),
        };
        self.shared.flight.log(Record::IvrStart {
            call: self.id(),
            flow: self.setup.flow.clone(),
            at: now,
            info: info.clone(),
        });
        self.session.journal_edges(true);
        if let Err(e) = self.session.start(now, info) {
            tracing::warn!("IVR start: {e}");
        }
        self.note_node();
        self.outputs();
    }

    fn note_node(&mut self) {
        let node = self.session.current_node().to_owned();
        if self.path.last() != Some(&node) {
            self.path.push(node);
        }
    }

    fn note(&mut self, node: usize) {
        if let Some(n) = self.program.nodes().get(node)
            && self.path.last() != Some(&n.id)
        {
            self.path.push(n.id.clone());
        }
    }

    fn ivr(&mut self, input: hotline_ivr::Input) {
        if self.session.is_finished() {
            return;
        }
        let now = jiff::Timestamp::now();
        self.shared.flight.log(Record::IvrInput { call: self.id(), at: now, input: input.clone() });
        if let Err(e) = self.session.handle(now, input) {
            tracing::debug!("IVR input not taken: {e}");
        }
        self.outputs();
    }

    fn outputs(&mut self) {
        while let Some(out) = self.session.poll_output() {
            self.shared.flight.log(Record::IvrOutput { call: self.id(), output: out.clone() });
            match out {
                Output::Action(step) => self.action(step.action),
                // Every node the flow passes through, also those that take no input (`set`, `if`).
                Output::Edge { node, .. } => self.note(node),
                _ => {}
            }
        }
        self.note_node();
        if self.session.is_finished() && !self.playing && self.phase != Phase::Bridged {
            self.end_call("ivr-ended");
        }
    }

    fn action(&mut self, action: Action) {
        let Some(leg) = self.caller_leg else { return };
        let now = jiff::Timestamp::now();
        match action {
            Action::Play { prompt, lang, source, barge_in } => {
                let prompts = self.shared.prompts.resolve(&self.program, &prompt, &lang, &source);
                if prompts.is_empty() {
                    self.ivr(hotline_ivr::Input::PromptFinished);
                    return;
                }
                self.playing = true;
                self.media.send(MediaCommand::Play { call: self.id(), leg, prompts, barge_in });
            }
            Action::StopPlayback => self.media.send(MediaCommand::Stop { call: self.id(), leg }),
            Action::CollectDigits { .. } => {}
            // ANCHOR: enqueue
            Action::Enqueue { queue, priority, skills, music } => {
                self.cdr.queue.clone_from(&queue);
                self.queued_at = Some(Instant::now());
                self.phase = Phase::Queued;
                if let Some(source) = music {
                    let lang = self
                        .session
                        .vars()
                        .get("lang")
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    let key = self.music_key(&source);
                    self.music = key.and_then(|k| {
                        self.shared
                            .prompts
                            .resolve(&self.program, &k, lang.trim_matches('"'), &source)
                            .into_iter()
                            .next()
                    });
                    self.resume_music();
                }
                let (reply, rx) = oneshot::channel();
                let language = self
                    .session
                    .vars()
                    .get("lang")
                    .map(|v| v.to_string().trim_matches('"').to_owned());
                self.acd(AcdInput::Arrive {
                    call: self.id(),
                    queue,
                    priority,
                    skills,
                    language,
                    caller: self.setup.caller.clone(),
                    events: self.events_tx.clone(),
                    reply,
                });
                let events = self.events_tx.clone();
                tokio::spawn(async move {
                    if let Ok(Err(reason)) = rx.await {
                        let _ = events.send(CallEvent::Acd(AcdNotice::Exit { reason }));
                    }
                });
            }
            // ANCHOR_END: enqueue
            Action::Announce { position, wait } => {
                let mut prompts = Vec::new();
                let lang = self.lang();
                if let Some(p) = position {
                    prompts.extend(self.shared.prompts.announce(&lang, "queue_position", p as u64));
                }
                if let Some(w) = wait {
                    prompts.extend(self.shared.prompts.announce(
                        &lang,
                        "queue_wait",
                        w.as_secs().div_ceil(60).max(1),
                    ));
                }
                if !prompts.is_empty() {
                    self.playing = true;
                    self.media.send(MediaCommand::Play {
                        call: self.id(),
                        leg,
                        prompts,
                        barge_in: false,
                    });
                }
            }
            Action::LeaveQueue => {
                if self.phase == Phase::Queued {
                    self.leave_queue(false);
                    self.phase = Phase::Ivr;
                }
            }
            Action::Transfer { .. } => {
                tracing::info!(
                    "transfer is not offered by this server; the flow takes its error edge"
                );
                self.ivr(hotline_ivr::Input::TransferResult { ok: false });
            }
            Action::Record { .. } => {
                tracing::info!(
                    "caller recordings (voicemail, complaints) are not kept by this server"
                );
                self.ivr(hotline_ivr::Input::RecordingFailed);
            }
            Action::Lookup { function, .. } => {
                self.ivr(hotline_ivr::Input::LookupFailed {
                    reason: format!("no {function} service is connected"),
                });
            }
            Action::CreateCallback { queue, number } => {
                tracing::info!(queue = %queue, number = %number, "callback requested");
                self.cdr.outcome = "callback".into();
            }
            Action::SurveyResult { score } => self.cdr.survey = score,
            Action::Hangup => {
                if self.playing {
                    self.hangup_after_prompt = true;
                } else {
                    self.end_call("ivr-ended");
                }
            }
            other => tracing::debug!(action = other.name(), at = %now, "not handled"),
        }
    }

    fn lang(&self) -> String {
        self.session
            .vars()
            .get("lang")
            .map(|v| v.to_string().trim_matches('"').to_owned())
            .unwrap_or_else(|| "zh-CN".into())
    }

    fn music_key(&self, source: &hotline_ivr::ast::PromptSource) -> Option<String> {
        self.program
            .prompts()
            .iter()
            .find(|p| p.versions.values().any(|v| v == source))
            .map(|p| p.key.clone())
    }

    fn resume_music(&mut self) {
        if let (Some(music), Some(leg)) = (self.music.clone(), self.caller_leg)
            && self.phase == Phase::Queued
            && !self.playing
        {
            self.media.send(MediaCommand::Music { call: self.id(), leg, music });
        }
    }

    fn event(&mut self, ev: CallEvent) {
        match ev {
            CallEvent::Media(MediaEvent::Digit { digit, .. }) => {
                self.cdr.ivr_inputs.push(digit);
                if matches!(self.phase, Phase::Ivr | Phase::Queued | Phase::After) {
                    self.ivr(hotline_ivr::Input::Digit { key: digit });
                }
            }
            // A queue cut short (barge-in, or the flow's StopPlayback) is not a prompt finishing:
            // the flow has already moved on.
            CallEvent::Media(MediaEvent::QueueFinished { interrupted: true, .. }) => {}
            CallEvent::Media(MediaEvent::QueueFinished { leg, .. })
                if Some(leg) == self.caller_leg =>
            {
                self.playing = false;
                if self.hangup_after_prompt {
                    self.end_call("ivr-ended");
                    return;
                }
                self.ivr(hotline_ivr::Input::PromptFinished);
                self.resume_music();
            }
            CallEvent::Media(MediaEvent::DeadPeer { leg, silent_for }) => {
                tracing::info!(?leg, ?silent_for, "no media from a leg");
            }
            CallEvent::Media(_) => {}
            CallEvent::Acd(notice) => self.acd_notice(notice),
            CallEvent::AgentProgress { call_id, code } => {
                tracing::debug!(%call_id, code, "agent ringing");
            }
            CallEvent::AgentAnswered { call_id, sdp } => self.agent_answered(&call_id, &sdp),
            CallEvent::AgentInvited(leg) => {
                if self.phase == Phase::Queued {
                    let call_id = leg.call_id.clone();
                    self.ringing.push(leg);
                    // The phone may have answered or refused before this event arrived.
                    if let Some(i) = self.early.iter().position(|(c, _)| *c == call_id) {
                        let (_, early) = self.early.remove(i);
                        match early {
                            Early::Answered(sdp) => self.agent_answered(&call_id, &sdp),
                            Early::Ended(code) => self.leg_ended(&call_id, code),
                        }
                    }
                } else {
                    self.sip(SipCommand::Hangup { call_id: leg.call_id });
                    self.acd(AcdInput::Rejected { call: self.id(), agent: leg.agent, busy: false });
                }
            }
            CallEvent::AgentUnreachable { agent } => {
                self.acd(AcdInput::Rejected { call: self.id(), agent, busy: false });
            }
            CallEvent::AgentLegReady { call_id, leg } => {
                if self.phase == Phase::Bridged
                    && self.connected.as_ref().is_some_and(|c| c.call_id == call_id)
                {
                    self.bridge(leg);
                } else {
                    self.drop_media_leg(Some(leg));
                }
            }
            CallEvent::LegEnded { call_id, code } => self.leg_ended(&call_id, code),
            CallEvent::Reoffer { call_id, sdp } => self.reoffer(&call_id, sdp.as_deref()),
            CallEvent::Shutdown => {
                if self.phase != Phase::Done {
                    self.caller_gone = false;
                    self.end_call("shutdown");
                }
            }
        }
    }

    fn acd_notice(&mut self, notice: AcdNotice) {
        match notice {
            AcdNotice::Offer { agent, wrap_up } => {
                if self.phase != Phase::Queued {
                    // The call left meanwhile; tell the ACD the offer cannot be taken.
                    self.acd(AcdInput::Rejected { call: self.id(), agent, busy: false });
                    return;
                }
                let events = self.events_tx.clone();
                let shared = Arc::clone(&self.shared);
                let media = self.media.clone();
                let call = self.id();
                let codec = self.codec;
                let caller = self.setup.caller.clone();
                // Bind a port and invite; the outcome comes back as an event.
                tokio::spawn(async move {
                    let r: Result<AgentLeg, String> = async {
                        let port = media.bind(call).await?;
                        let mut cfg = AudioConfig::new(shared.settings.advertise, port);
                        // The caller's codec first; the other too (the mixer transcodes).
                        cfg.codecs = vec![codec, other_codec(codec)];
                        cfg.session_id = call;
                        let sdp = offer(&cfg).map_err(|e| e.to_string())?.to_string();
                        let (reply, answer) = oneshot::channel();
                        let _ = shared.sip.send(SipInput::Command(SipCommand::InviteAgent {
                            call,
                            agent: agent.clone(),
                            caller,
                            sdp,
                            events: events.clone(),
                            reply,
                        }));
                        let call_id =
                            answer.await.map_err(|_| "the sip task stopped".to_owned())??;
                        Ok(AgentLeg {
                            agent: agent.clone(),
                            call_id,
                            leg: None,
                            port,
                            offered_at: Instant::now(),
                            wrap_up,
                        })
                    }
                    .await;
                    let _ = events.send(match r {
                        Ok(leg) => CallEvent::AgentInvited(leg),
                        Err(e) => {
                            tracing::info!(agent = %agent, "cannot ring the agent: {e}");
                            CallEvent::AgentUnreachable { agent }
                        }
                    });
                });
            }
            AcdNotice::CancelOffer { agent, reason } => {
                tracing::info!(%agent, %reason, "offer cancelled");
                if let Some(i) = self.ringing.iter().position(|l| l.agent == agent) {
                    let leg = self.ringing.remove(i);
                    self.sip(SipCommand::Hangup { call_id: leg.call_id });
                    self.drop_media_leg(leg.leg);
                }
            }
            AcdNotice::Announce { position, wait } => {
                self.ivr(hotline_ivr::Input::Queue(QueueEvent::Position {
                    position: position as u32,
                    wait,
                }));
            }
            AcdNotice::Exit { reason } => {
                if self.phase == Phase::Queued {
                    self.cdr.outcome = "queue-exit".into();
                    self.phase = Phase::Ivr;
                    self.media.send(MediaCommand::Stop {
                        call: self.id(),
                        leg: self.caller_leg.unwrap_or(LegId::from_index(0)),
                    });
                    self.ivr(hotline_ivr::Input::Queue(QueueEvent::Failed { reason }));
                }
            }
        }
    }

    fn drop_media_leg(&self, leg: Option<LegId>) {
        if let Some(leg) = leg {
            self.media.send(MediaCommand::RemoveLeg { call: self.id(), leg });
        }
    }

    fn agent_answered(&mut self, call_id: &str, sdp: &str) {
        let Some(i) = self.ringing.iter().position(|l| l.call_id == call_id) else {
            if self.phase == Phase::Queued && self.early.len() < 16 {
                self.early.push((call_id.to_owned(), Early::Answered(sdp.to_owned())));
            } else {
                // Not ringing any more (cancelled, or another agent won): end it.
                self.sip(SipCommand::Hangup { call_id: call_id.to_owned() });
            }
            return;
        };
        let mut agent = self.ringing.remove(i);
        if self.phase != Phase::Queued {
            self.sip(SipCommand::Hangup { call_id: agent.call_id });
            return;
        }
        let advertise = self.shared.settings.advertise;
        let mut cfg = AudioConfig::new(advertise, agent.port);
        cfg.codecs = vec![self.codec, other_codec(self.codec)];
        let Ok(our_offer) = offer(&cfg) else { return };
        let accepted = SessionDescription::parse(sdp)
            .map_err(|e| e.to_string())
            .and_then(|a| accept_answer(&our_offer, &a, &cfg).map_err(|e| e.to_string()));
        let negotiated = match accepted {
            Ok(n) => n,
            Err(e) => {
                tracing::info!(agent = %agent.agent, "agent's SDP answer refused: {e}");
                self.sip(SipCommand::Hangup { call_id: agent.call_id.clone() });
                self.acd(AcdInput::Rejected { call: self.id(), agent: agent.agent, busy: false });
                return;
            }
        };
        let mut leg_cfg = LegConfig::new(codec_of(negotiated.codec));
        leg_cfg.telephone_event = negotiated.telephone_event;
        leg_cfg.remote = negotiated.remote;
        let media = self.media.clone();
        let call = self.id();
        let port = agent.port;
        let events = self.events_tx.clone();
        let agent_call_id = agent.call_id.clone();
        // Adding the leg is a round trip to the worker; its id comes back as a Reoffer-like event.
        tokio::spawn(async move {
            match media.add_leg(call, port, leg_cfg).await {
                Ok(leg) => {
                    let _ = events.send(CallEvent::AgentLegReady { call_id: agent_call_id, leg });
                }
                Err(e) => tracing::warn!("agent leg: {e}"),
            }
        });
        self.cdr.agent.clone_from(&agent.agent);
        self.cdr.agent_call_id.clone_from(&agent.call_id);
        self.cdr.ring_s = agent.offered_at.elapsed().as_secs_f64();
        self.cdr.wait_s = self.queued_at.map_or(0.0, |t| t.elapsed().as_secs_f64());
        self.cdr.wrap_up_s = agent.wrap_up.as_secs_f64();
        agent.leg = None;
        self.connected = Some(agent);
        self.phase = Phase::Bridged;
        self.bridged_at = Some(Instant::now());
        self.acd(AcdInput::Accepted { call: self.id(), agent: self.cdr.agent.clone() });
        // Any other agent still ringing (ring-all) is cancelled by the ACD's CancelOffer.
        for other in std::mem::take(&mut self.ringing) {
            self.sip(SipCommand::Hangup { call_id: other.call_id });
        }
        self.ivr(hotline_ivr::Input::Queue(QueueEvent::Answered { agent: self.cdr.agent.clone() }));
    }

    fn bridge(&mut self, agent_leg: LegId) {
        let Some(caller) = self.caller_leg else { return };
        if let Some(c) = &mut self.connected {
            c.leg = Some(agent_leg);
        }
        let record = self.shared.settings.config.recording.enabled.then(|| {
            let name =
                format!("{}-{}.wav", jiff::Timestamp::now().strftime("%Y%m%dT%H%M%S"), self.id());
            self.cdr.recording.clone_from(&name);
            self.shared.recordings_dir().join(name)
        });
        self.playing = false;
        self.media.send(MediaCommand::Bridge { call: self.id(), caller, agent: agent_leg, record });
    }

    fn leg_ended(&mut self, call_id: &str, code: u16) {
        if call_id == self.setup.call_id {
            tracing::info!(code, phase = ?self.phase, "caller hung up");
            self.caller_gone = true;
            let outcome = match self.phase {
                Phase::Ivr => "abandoned-in-ivr",
                Phase::Queued if self.ringing.is_empty() => "abandoned-in-queue",
                Phase::Queued => "abandoned-ringing",
                Phase::Bridged | Phase::After => "answered",
                Phase::Done => return,
            };
            self.end_call(outcome);
            return;
        }
        if let Some(i) = self.ringing.iter().position(|l| l.call_id == call_id) {
            let leg = self.ringing.remove(i);
            tracing::info!(agent = %leg.agent, code, "agent did not take the call");
            self.drop_media_leg(leg.leg);
            self.acd(AcdInput::Rejected {
                call: self.id(),
                agent: leg.agent,
                busy: matches!(code, 486 | 600),
            });
            return;
        }
        if self.phase == Phase::Queued
            && self.connected.as_ref().is_none_or(|c| c.call_id != call_id)
            && self.early.len() < 16
        {
            self.early.push((call_id.to_owned(), Early::Ended(code)));
            return;
        }
        if self.connected.as_ref().is_some_and(|c| c.call_id == call_id)
            && self.phase == Phase::Bridged
        {
            tracing::info!("agent hung up");
            self.agent_done();
            self.phase = Phase::After;
            self.ivr(hotline_ivr::Input::Queue(QueueEvent::Ended));
            if self.session.is_finished() && !self.playing {
                self.end_call("answered");
            }
        }
    }

    fn agent_done(&mut self) {
        if let Some(t) = self.bridged_at.take() {
            self.cdr.talk_s = t.elapsed().as_secs_f64();
        }
        if let Some(c) = &self.connected {
            self.drop_media_leg(c.leg);
            if let Some(caller) = self.caller_leg {
                self.media.send(MediaCommand::Stop { call: self.id(), leg: caller });
            }
        }
        self.acd(AcdInput::Ended { call: self.id() });
    }

    fn reoffer(&mut self, call_id: &str, sdp: Option<&str>) {
        let Some(sdp) = sdp.and_then(|s| SessionDescription::parse(s).ok()) else { return };
        let leg = if call_id == self.setup.call_id {
            self.caller_leg
        } else {
            self.connected.as_ref().filter(|c| c.call_id == call_id).and_then(|c| c.leg)
        };
        let Some(leg) = leg else { return };
        // Hold and resume are mirrored on the other leg: a phone that sends `sendonly` (or
        // `inactive`) gets the other side's re-INVITE with `recvonly` (`inactive`) offered.
        if let Some(m) = sdp.media.first()
            && self.phase == Phase::Bridged
        {
            let direction = sdp.direction(m).reversed();
            let other = if call_id == self.setup.call_id {
                self.connected.as_ref().map(|c| c.call_id.clone())
            } else {
                Some(self.setup.call_id.clone())
            };
            if let Some(other) = other {
                self.sip(SipCommand::Reinvite { call_id: other, direction });
            }
        }
        let probe = answer(&sdp, &AudioConfig::new(self.shared.settings.advertise, 9));
        if let Ok(n) = probe {
            // Hold (a=sendonly/inactive, or c=0.0.0.0) keeps the leg; a new address moves it.
            let remote = n.remote.filter(|r| !r.ip().is_unspecified());
            if remote.is_some() {
                self.media.send(MediaCommand::Relatch { call: self.id(), leg, remote });
            }
        }
    }

    fn leave_queue(&mut self, callback: bool) {
        self.acd(AcdInput::Abandoned { call: self.id(), callback });
        for leg in self.ringing.drain(..) {
            let _ = self
                .shared
                .sip
                .send(SipInput::Command(SipCommand::Hangup { call_id: leg.call_id }));
            if let Some(l) = leg.leg {
                self.media.send(MediaCommand::RemoveLeg { call: self.setup.call, leg: l });
            }
        }
    }

    /// Ends every leg and the IVR; `finish` then writes the CDR.
    fn end_call(&mut self, outcome: &str) {
        if self.phase == Phase::Done {
            return;
        }
        if self.cdr.outcome.is_empty() || outcome == "answered" || outcome == "shutdown" {
            self.cdr.outcome = outcome.to_owned();
        }
        match self.phase {
            Phase::Queued => self.leave_queue(false),
            Phase::Bridged => {
                if let Some(c) = &self.connected {
                    self.sip(SipCommand::Hangup { call_id: c.call_id.clone() });
                }
                self.agent_done();
            }
            _ => {}
        }
        if self.cdr.agent.is_empty()
            && let Some(t) = self.queued_at
        {
            self.cdr.wait_s = t.elapsed().as_secs_f64();
        }
        self.phase = Phase::Done;
        if self.caller_gone {
            if !self.session.is_finished() {
                self.ivr(hotline_ivr::Input::Hangup);
            }
        } else {
            self.sip(SipCommand::Hangup { call_id: self.setup.call_id.clone() });
        }
    }

    async fn finish(mut self) {
        let report = self.media.close(self.id()).await;
        let find = |leg: Option<LegId>| -> Option<Quality> {
            leg.and_then(|l| report.iter().find(|(id, _)| *id == l).map(|(_, q)| *q))
        };
        if let Some(q) = find(self.caller_leg) {
            self.cdr.caller_loss_pct = q.loss_percent();
            self.cdr.caller_mos = q.mos;
        }
        if let Some(q) = find(self.connected.as_ref().and_then(|c| c.leg)) {
            self.cdr.agent_loss_pct = q.loss_percent();
            self.cdr.agent_mos = q.mos;
        }
        self.cdr.ivr_path = self.path.join(">");
        if self.cdr.outcome.is_empty() {
            self.cdr.outcome = "ivr-ended".into();
        }
        tracing::info!(outcome = %self.cdr.outcome, agent = %self.cdr.agent, "call ended");
        self.shared.metrics.calls_ended.fetch_add(1, Ordering::Relaxed);
        let _ = self.shared.store.send(StoreCommand::Cdr(Box::new(self.cdr)));
        self.shared.live_calls.fetch_sub(1, Ordering::Relaxed);
    }
}

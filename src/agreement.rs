//! One value agreed on by any number of callers that may stall or die at any step, with only
//! `get`, `set` and `increment` (docs/contract.md §9): single-decree Paxos over shared registers, as in
//! Gafni and Lamport's Disk Paxos with one disk.
//!
//! `increment` alone cannot do it: fetch-and-add reaches consensus between two callers only, so
//! any protocol that lets a caller take over from a presumed-dead one after a timeout breaks
//! when the presumed-dead one resumes. Paxos needs no timeout for safety; time only decides
//! when a caller stops waiting for the others and competes (liveness).
//!
//! Keys, under a prefix chosen by the caller:
//! - `{prefix}-proposers`: counter handing each caller its proposer number `p` (never read with `get`).
//! - `{prefix}-proposal:{p}`: proposer `p`'s register, written only by `p`:
//!   `promised accepted value reserved`, ballots as `round.p`, values `-` before any; `reserved`
//!   is the value `p` allocated of its own, announced before it is prepared so that whoever
//!   settles the agreement discards it if it lost, even if `p` died.
//! - the decision key: the agreed value as decimal text, written only with the agreed value.
//!
//! A proposer with ballot `b` writes `promised = b` and reads every register: if one promised
//! more it stops, otherwise it takes the value accepted under the highest ballot (or its own),
//! writes it as accepted under `b`, and reads every register again: if none promised more than
//! `b`, the value is chosen. Of two proposers that each write and then read, at least one reads
//! the other's write, which is what makes a chosen value the only one any later ballot can take.
//! Registers of proposers numbered after a read are covered the same way: they wrote after it,
//! so they read this proposer's register.

use crate::ports::{Clock, KeyValue, StoreError};

/// How long a caller waits for earlier proposers to finish before it competes.
pub const WAIT_BEFORE_COMPETING_MS: u64 = 300;
/// The most a caller waits in all: well inside a host's 5 s execution limit, so a request that
/// cannot settle ends with an error response, not a trap.
pub const WAIT_BUDGET_MS: u64 = 2_000;

/// The agreed value, and the value this caller proposed of its own, if it had to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreed {
    pub value: u64,
    pub own: Option<u64>,
}

/// A ballot: rounds first, proposer numbers break ties, so no two proposers share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
struct Ballot {
    round: u64,
    proposer: u64,
}

impl Ballot {
    /// `(1, 1)`: no ballot is lower, so nothing can have been accepted before it.
    fn is_lowest(self) -> bool {
        self == Ballot {
            round: 1,
            proposer: 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Register {
    promised: Ballot,
    accepted: Ballot,
    value: Option<u64>,
    /// The value this proposer allocated of its own, announced before it is prepared, so
    /// that whoever settles the agreement can discard it if it loses.
    reserved: Option<u64>,
}

impl Register {
    fn encode(&self) -> String {
        let text = |value: Option<u64>| value.map_or_else(|| "-".to_owned(), |v| v.to_string());
        format!(
            "{}.{} {}.{} {} {}",
            self.promised.round,
            self.promised.proposer,
            self.accepted.round,
            self.accepted.proposer,
            text(self.value),
            text(self.reserved)
        )
    }

    fn decode(text: &str) -> Option<Register> {
        let ballot = |part: &str| {
            let (round, proposer) = part.split_once('.')?;
            Some(Ballot {
                round: round.parse().ok()?,
                proposer: proposer.parse().ok()?,
            })
        };
        let optional = |part: &str| match part {
            "-" => Some(None),
            number => number.parse().ok().map(Some),
        };
        let mut parts = text.split(' ');
        let promised = ballot(parts.next()?)?;
        let accepted = ballot(parts.next()?)?;
        let value = optional(parts.next()?)?;
        let reserved = optional(parts.next()?)?;
        let complete = parts.next().is_none() && accepted <= promised;
        complete.then_some(Register {
            promised,
            accepted,
            value,
            reserved,
        })
    }
}

/// The caller's side of an agreement: where its own candidate value comes from.
pub trait Candidates {
    /// A value that exists already, to propose as it is (an existing customer): nothing is
    /// allocated, reserved, prepared or discarded for it. `None` to propose a fresh one.
    fn existing(&self) -> Option<u64> {
        None
    }
    /// A fresh value of this caller's own, unique among all callers (for customers: a new id).
    fn allocate(&mut self) -> Result<u64, StoreError>;
    /// Makes `value` ready to be agreed on; runs before any other caller can see it as a
    /// proposal (for customers: writes its record).
    fn prepare(&mut self, value: u64) -> Result<(), StoreError>;
    /// `value`, allocated by this or another caller (never an [`existing`](Self::existing)
    /// one), can never be agreed on any more: undo its preparation. Best effort; a failure
    /// leaves garbage nobody reaches.
    fn discard(&mut self, value: u64);
}

/// A value that exists already (an existing customer, a subject's hash): proposed as it is,
/// with nothing to prepare or undo.
pub struct Fixed(pub u64);

impl Candidates for Fixed {
    fn existing(&self) -> Option<u64> {
        Some(self.0)
    }

    fn allocate(&mut self) -> Result<u64, StoreError> {
        Ok(self.0)
    }

    fn prepare(&mut self, _: u64) -> Result<(), StoreError> {
        Ok(())
    }

    fn discard(&mut self, _: u64) {}
}

/// What one round showed.
enum Round {
    Chosen(u64, Vec<Register>),
    Outbid(Ballot),
}

pub struct Agreement<'a> {
    store: &'a dyn KeyValue,
    clock: &'a dyn Clock,
    decision_key: &'a str,
    prefix: &'a str,
}

impl<'a> Agreement<'a> {
    pub fn new(
        store: &'a dyn KeyValue,
        clock: &'a dyn Clock,
        decision_key: &'a str,
        prefix: &'a str,
    ) -> Self {
        Agreement {
            store,
            clock,
            decision_key,
            prefix,
        }
    }

    /// The value already agreed on, if any (one `get`).
    pub fn decided(&self) -> Result<Option<u64>, StoreError> {
        match self.store.get(self.decision_key)? {
            None => Ok(None),
            Some(bytes) => std::str::from_utf8(&bytes)
                .ok()
                .and_then(|text| text.parse().ok())
                .map(Some)
                .ok_or_else(|| {
                    StoreError::Other(format!("unreadable value under `{}`", self.decision_key))
                }),
        }
    }

    /// Agrees on one value: the one already decided, or one of the proposals, or this
    /// caller's own (allocated and prepared at most once, and only if nobody proposed before).
    pub fn agree(&self, candidates: &mut dyn Candidates) -> Result<Agreed, StoreError> {
        if let Some(value) = self.decided()? {
            return Ok(Agreed { value, own: None });
        }
        let me = self.store.increment(&self.proposers_key(), 1)?;
        let mut mine = Register::default();
        let mut ballot = Ballot {
            round: 1,
            proposer: me,
        };
        let mut waited = 0;
        loop {
            if !ballot.is_lowest() {
                // Someone numbered earlier may be about to finish: give it the time first.
                if let Some(value) = self.wait_for_decision(&mut waited)? {
                    discard_unless(candidates, mine.reserved, value);
                    return Ok(Agreed {
                        value,
                        own: mine.reserved,
                    });
                }
            }
            match self.round(me, ballot, &mut mine, candidates)? {
                Round::Chosen(value, others) => {
                    self.store
                        .set(self.decision_key, value.to_string().as_bytes())?;
                    // Every other value allocated can never be chosen now. (An accepted value is
                    // someone's reserved one, or an existing one, which is never discarded.)
                    let mut losers: Vec<u64> = Vec::new();
                    let seen = others
                        .iter()
                        .chain(std::iter::once(&mine))
                        .filter_map(|register| register.reserved);
                    for loser in seen {
                        if loser != value && !losers.contains(&loser) {
                            losers.push(loser);
                            candidates.discard(loser);
                        }
                    }
                    return Ok(Agreed {
                        value,
                        own: mine.reserved,
                    });
                }
                Round::Outbid(higher) => {
                    ballot = Ballot {
                        round: higher
                            .round
                            .checked_add(1)
                            .ok_or_else(|| StoreError::Other("ballot rounds overflowed".into()))?,
                        proposer: me,
                    };
                }
            }
        }
    }

    /// Both phases of one ballot.
    fn round(
        &self,
        me: u64,
        ballot: Ballot,
        mine: &mut Register,
        candidates: &mut dyn Candidates,
    ) -> Result<Round, StoreError> {
        let mut value = None;
        if !ballot.is_lowest() {
            mine.promised = ballot;
            self.write(me, mine)?;
            let others = self.others(me)?;
            if let Some(higher) = highest_promise_above(&others, ballot) {
                return Ok(Round::Outbid(higher));
            }
            value = others
                .iter()
                .chain(std::iter::once(&*mine))
                .filter(|register| register.value.is_some())
                .max_by_key(|register| register.accepted)
                .and_then(|register| register.value);
        }
        let value = match (value, mine.reserved, candidates.existing()) {
            (Some(value), _, _) | (None, Some(value), _) | (None, None, Some(value)) => value,
            (None, None, None) => {
                // Announced before it is prepared, so that it is found and discarded if this
                // caller dies between the two.
                let own = candidates.allocate()?;
                mine.promised = ballot;
                mine.reserved = Some(own);
                self.write(me, mine)?;
                candidates.prepare(own)?;
                own
            }
        };
        *mine = Register {
            promised: ballot,
            accepted: ballot,
            value: Some(value),
            reserved: mine.reserved,
        };
        self.write(me, mine)?;
        let others = self.others(me)?;
        Ok(match highest_promise_above(&others, ballot) {
            Some(higher) => Round::Outbid(higher),
            None => Round::Chosen(value, others),
        })
    }

    /// Polls the decision for up to `WAIT_BEFORE_COMPETING_MS`; past the overall budget, an error.
    fn wait_for_decision(&self, waited: &mut u64) -> Result<Option<u64>, StoreError> {
        let until = (*waited + WAIT_BEFORE_COMPETING_MS).min(WAIT_BUDGET_MS);
        let mut step = 2;
        loop {
            if let Some(value) = self.decided()? {
                return Ok(Some(value));
            }
            if *waited >= WAIT_BUDGET_MS {
                return Err(StoreError::Other(format!(
                    "no agreement on `{}` within {WAIT_BUDGET_MS} ms: other callers keep competing; retry",
                    self.decision_key
                )));
            }
            if *waited >= until {
                return Ok(None);
            }
            let pause = step.min(until - *waited);
            self.clock.pause(pause);
            *waited += pause;
            step = (step * 2).min(100);
        }
    }

    fn proposers_key(&self) -> String {
        format!("{}-proposers", self.prefix)
    }

    fn register_key(&self, proposer: u64) -> String {
        format!("{}-proposal:{proposer}", self.prefix)
    }

    fn write(&self, me: u64, register: &Register) -> Result<(), StoreError> {
        self.store
            .set(&self.register_key(me), register.encode().as_bytes())
    }

    /// Every other proposer's register as it is now (proposers numbered later than this read
    /// wrote after it, and so read ours).
    fn others(&self, me: u64) -> Result<Vec<Register>, StoreError> {
        let count = self.store.increment(&self.proposers_key(), 0)?;
        let mut registers = Vec::new();
        for proposer in (1..=count).filter(|&p| p != me) {
            let key = self.register_key(proposer);
            if let Some(bytes) = self.store.get(&key)? {
                let register = std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(Register::decode)
                    .ok_or_else(|| {
                        StoreError::Other(format!("unreadable proposal under `{key}`"))
                    })?;
                registers.push(register);
            }
        }
        Ok(registers)
    }
}

fn discard_unless(candidates: &mut dyn Candidates, value: Option<u64>, chosen: u64) {
    if let Some(value) = value.filter(|value| *value != chosen) {
        candidates.discard(value);
    }
}

fn highest_promise_above(registers: &[Register], ballot: Ballot) -> Option<Ballot> {
    registers
        .iter()
        .map(|register| register.promised)
        .filter(|promised| *promised > ballot)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Allocates 5, and records what it is asked to discard.
    struct Recording(Vec<u64>);

    impl Candidates for Recording {
        fn allocate(&mut self) -> Result<u64, StoreError> {
            Ok(5)
        }
        fn prepare(&mut self, _: u64) -> Result<(), StoreError> {
            Ok(())
        }
        fn discard(&mut self, value: u64) {
            self.0.push(value);
        }
    }

    struct Still;

    impl Clock for Still {
        fn now_unix(&self) -> i64 {
            0
        }
        fn pause(&self, _: u64) {}
    }

    #[test]
    fn only_allocated_values_that_lost_are_discarded_never_existing_ones() {
        use crate::memory::MemoryStore;
        let store = MemoryStore::default();
        // Proposer 1 accepted an existing value (99, nothing reserved) at a low ballot;
        // proposer 2 reserved and accepted its own 7 at a higher one; proposer 3 reserved 8
        // and died before accepting.
        store.increment("k-proposers", 3).unwrap();
        store.set("k-proposal:1", b"1.1 1.1 99 -").unwrap();
        store.set("k-proposal:2", b"2.2 2.2 7 7").unwrap();
        store.set("k-proposal:3", b"2.3 0.0 - 8").unwrap();
        let mut candidates = Recording(Vec::new());
        let agreed = Agreement::new(&store, &Still, "k", "k")
            .agree(&mut candidates)
            .unwrap();
        assert_eq!(agreed.value, 7);
        assert_eq!(candidates.0, [8], "99 exists and is never discarded");
    }

    #[test]
    fn registers_round_trip_and_junk_is_refused() {
        let register = Register {
            promised: Ballot {
                round: 3,
                proposer: 7,
            },
            accepted: Ballot {
                round: 2,
                proposer: 7,
            },
            value: Some(42),
            reserved: Some(43),
        };
        assert_eq!(register.encode(), "3.7 2.7 42 43");
        assert_eq!(Register::decode("3.7 2.7 42 43"), Some(register));
        assert_eq!(
            Register::decode("1.2 0.0 - -"),
            Some(Register {
                promised: Ballot {
                    round: 1,
                    proposer: 2
                },
                ..Register::default()
            })
        );
        for junk in [
            "",
            "1.2",
            "1.2 0.0",
            "1.2 0.0 -",
            "1.2 0.0 - - x",
            "1.2 3.4 5 -",
            "a.b 0.0 - -",
            "1.2 0.0 -5 -",
            "18446744073709551616.1 0.0 - -",
        ] {
            assert_eq!(Register::decode(junk), None, "{junk:?}");
        }
    }
}

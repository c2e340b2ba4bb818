//! The worker protocol: how jobs are queued, how workers find, run and wait for them, and when
//! threads start and exit. `DESIGN.md` beside this crate's manifest tells the same story with the
//! reasoning; read it before changing anything here.
//!
//! # State and who guards it
//!
//! * `queue`: the FIFO of waiting jobs. Pushed by producers, popped by workers, never blocked on.
//! * `idle` (atomic, one word): low 32 bits count *idle* workers (looking for a job or asleep),
//!   high 32 bits count *sleepers* (blocked on `work`). Changed by workers at phase changes only,
//!   never per job; the sleeper half only under `state`.
//! * `size` (atomic): live workers, counting reserved ones whose thread is starting. Changed only
//!   under `state`.
//! * `gate` (atomic bit set): `PAUSED`, `HELD` (the `held` list is not empty), `EXCESS` (the limit
//!   was lowered below `size`). A worker checks it once per job; zero means "nothing unusual".
//! * `state` (mutex): the wake-up tokens (`notified`), the worker registry with its per-worker
//!   counters, retired totals, jobs held by a pause, and the peak worker count.
//!
//! # The one rule that keeps jobs from being stranded
//!
//! A producer pushes, then (after a `SeqCst` fence) reads `idle`. A worker that stops looking —
//! to sleep or to exit — first publishes that in `idle`/`size` (`SeqCst`), fences, then looks at
//! the queue once more. Whichever goes second sees the other: either the producer sees that no
//! worker is looking and wakes or starts one, or the worker sees the job. So no job waits in the
//! queue while every worker sleeps, and no timer is needed to rescue one.

use crate::builder::{Config, ThreadBuilder};
use crate::context::Context;
use crate::error::Error;
use crate::handle::Spares;
use crate::job::{Env, Job, Outcome};
use crate::queue::{Full, Queue};
use crate::sync::{
    fence, lock, thread, thread_local, wait, wait_timeout, Arc, AtomicBool, AtomicU64, AtomicUsize,
    Condvar, Mutex, Ordering::SeqCst,
};
use crate::Stats;
use crossbeam_utils::CachePadded;
use std::cell::Cell;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::{Duration, Instant};

const ONE_SLEEPER: u64 = 1 << 32;
const IDLE_MASK: u64 = ONE_SLEEPER - 1;

pub(crate) const PAUSED: usize = 1;
const HELD: usize = 2;
const EXCESS: usize = 4;

/// `limit` when the pool has none.
pub(crate) const NO_LIMIT: usize = usize::MAX;

/// How often the growth monitor looks at a backlog (see [`Shared::monitor_main`]).
const GROWTH_TICK: Duration = Duration::from_millis(1);

/// A worker that started this many jobs in one tick is making quick progress: its jobs are
/// short (a quarter of a tick or less) rather than blocked. Jobs of about a tick (a 1 ms
/// sleep, say) start one or two per tick, depending on how late the tick fires.
const QUICK: u64 = 4;

/// Producer-side counters of accepted jobs, striped so producers on different threads do not
/// share a cache line.
const STRIPES: usize = 8;

// The address of the pool whose worker runs on this thread (0 elsewhere).
#[cfg(not(grpool_loom))]
thread_local!(static CURRENT: Cell<usize> = const { Cell::new(0) });
#[cfg(grpool_loom)]
thread_local!(static CURRENT: Cell<usize> = Cell::new(0));

fn stripe() -> usize {
    use std::sync::atomic::AtomicUsize as StdAtomicUsize;
    static NEXT: StdAtomicUsize = StdAtomicUsize::new(0);
    std::thread_local!(static STRIPE: usize = NEXT.fetch_add(1, Relaxed) % STRIPES);
    STRIPE.with(|s| *s)
}

/// One worker's counters. Written only by that worker (a plain load and store, no locked
/// instruction), read by `stats`, `join` and the growth monitor. Aligned to its own cache lines
/// so that two workers counting jobs never write to the same line.
#[repr(align(128))]
pub(crate) struct WorkerSlot {
    id: usize,
    taken: AtomicU64,
    completed: AtomicU64,
    panicked: AtomicU64,
    cancelled: AtomicU64,
    /// `taken` at the monitor's previous tick; written by the monitor only.
    seen: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Relaxed) + 1, Release);
}

impl WorkerSlot {
    fn new(id: usize) -> Self {
        WorkerSlot {
            id,
            taken: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            panicked: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            seen: AtomicU64::new(0),
        }
    }

    fn totals(&self) -> Totals {
        Totals {
            completed: self.completed.load(Acquire),
            panicked: self.panicked.load(Acquire),
            cancelled: self.cancelled.load(Acquire),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    completed: u64,
    panicked: u64,
    cancelled: u64,
}

impl Totals {
    fn add(&mut self, other: Totals) {
        self.completed += other.completed;
        self.panicked += other.panicked;
        self.cancelled += other.cancelled;
    }

    fn ended(&self) -> u64 {
        self.completed + self.panicked + self.cancelled
    }
}

pub(crate) struct State {
    /// Sleepers woken for a job that have not yet woken up to look for it.
    notified: usize,
    workers: Vec<Arc<WorkerSlot>>,
    /// Counters of workers that have exited.
    retired: Totals,
    /// Jobs a worker had taken when it saw the pool paused; they run first after `resume`.
    held: VecDeque<Job>,
    next_thread: usize,
}

/// How long `submit` may wait for room in a bounded queue.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wait {
    Forever,
    No,
    Until(Instant),
}

/// What to do once the state lock is released.
enum Plan {
    Nothing,
    Spawn(Vec<Arc<WorkerSlot>>),
    Monitor,
}

pub(crate) struct Shared {
    pub(crate) config: Config,
    queue: Queue<Job>,
    /// Written at every idle/busy transition: on a cache line of its own, away from the
    /// read-mostly fields below that every job reads.
    idle: CachePadded<AtomicU64>,
    size: AtomicUsize,
    limit: AtomicUsize,
    gate: AtomicUsize,
    closed: AtomicBool,
    monitor: AtomicBool,
    joiners: AtomicUsize,
    /// Producers blocked on a full bounded queue.
    blocked: AtomicUsize,
    submitted: [CachePadded<AtomicU64>; STRIPES],
    /// Jobs removed by `clear_jobs` (or lost to a thread-spawn failure, see `spawn_failed`).
    discarded: AtomicU64,
    /// Jobs whose context was already cancelled when they were added.
    cancelled_early: AtomicU64,
    /// The most workers alive at once, sampled as each thread starts.
    peak: AtomicUsize,
    state: Mutex<State>,
    /// Sleeping workers wait here.
    work: Condvar,
    /// The growth monitor waits here between ticks.
    monitor_cv: Condvar,
    /// `join` waits here.
    idle_cv: Condvar,
    /// Producers blocked on a full bounded queue wait here.
    room: Condvar,
    /// Result slots of spawned jobs, emptied for reuse.
    pub(crate) spares: Spares,
}

impl Shared {
    pub(crate) fn new(config: Config) -> Self {
        Shared {
            queue: Queue::new(config.queue_capacity),
            idle: CachePadded::new(AtomicU64::new(0)),
            size: AtomicUsize::new(0),
            limit: AtomicUsize::new(config.limit.unwrap_or(NO_LIMIT)),
            gate: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            monitor: AtomicBool::new(false),
            joiners: AtomicUsize::new(0),
            blocked: AtomicUsize::new(0),
            submitted: std::array::from_fn(|_| CachePadded::new(AtomicU64::new(0))),
            discarded: AtomicU64::new(0),
            cancelled_early: AtomicU64::new(0),
            peak: AtomicUsize::new(0),
            state: Mutex::new(State {
                notified: 0,
                workers: Vec::new(),
                retired: Totals::default(),
                held: VecDeque::new(),
                next_thread: 0,
            }),
            work: Condvar::new(),
            monitor_cv: Condvar::new(),
            idle_cv: Condvar::new(),
            room: Condvar::new(),
            spares: Spares::new(),
            config,
        }
    }

    fn addr(&self) -> usize {
        self as *const Shared as usize
    }

    /// Whether the calling thread is one of this pool's workers.
    pub(crate) fn on_worker(&self) -> bool {
        CURRENT.with(|c| c.get()) == self.addr()
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit.load(SeqCst)
    }

    /// Workers started without delay: up to the machine's parallelism (and the limit).
    fn eager(&self) -> usize {
        self.limit().min(self.config.parallelism)
    }

    pub(crate) fn size(&self) -> usize {
        self.size.load(SeqCst)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(SeqCst)
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.gate.load(SeqCst) & PAUSED != 0
    }

    fn count_submitted(&self) {
        self.submitted[stripe()].fetch_add(1, Relaxed);
    }

    fn uncount_submitted(&self) {
        self.submitted[stripe()].fetch_sub(1, Relaxed);
        self.notify_joiners();
    }

    fn submitted(&self) -> u64 {
        self.submitted.iter().map(|s| s.load(SeqCst)).sum()
    }

    // ---------------------------------------------------------------- producers

    /// Accepts `job`, or refuses it with an error (the job is then dropped here, unrun).
    /// `ctx` is the job's own context (the caller has it at hand; the job would need a dynamic
    /// call to show it).
    pub(crate) fn submit(
        self: &Arc<Self>,
        ctx: &Context,
        job: Job,
        wait: Wait,
    ) -> Result<(), Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        if ctx.is_cancelled() {
            // Accepted, never run, never queued: so it never blocks.
            self.count_submitted();
            job.cancel();
            self.cancelled_early.fetch_add(1, SeqCst);
            self.notify_joiners();
            return Ok(());
        }
        if self.size() == 0 {
            self.start_first_worker()?;
        }
        self.count_submitted();
        if let Err(e) = self.push(job, wait) {
            self.uncount_submitted();
            return Err(e);
        }
        self.after_push();
        Ok(())
    }

    /// With no worker at all, start one *before* queueing, so that a refused thread means a
    /// refused job and nothing is left in a queue nobody serves.
    fn start_first_worker(self: &Arc<Self>) -> Result<(), Error> {
        let slot = {
            let mut st = lock(&self.state);
            if self.size() != 0 || self.is_paused() {
                return Ok(());
            }
            self.reserve(&mut st)
        };
        self.spawn_worker(slot).map_err(Error::Spawn)
    }

    fn push(&self, job: Job, wait: Wait) -> Result<(), Error> {
        let job = match self.queue.push(job) {
            Ok(()) => return Ok(()),
            Err(Full(job)) => job,
        };
        if matches!(wait, Wait::No) || self.on_worker() {
            return Err(Error::Full);
        }
        let mut job = Some(job);
        let mut st = lock(&self.state);
        self.blocked.fetch_add(1, SeqCst);
        fence(SeqCst);
        let result = loop {
            if self.is_closed() {
                break Err(Error::Closed);
            }
            match self
                .queue
                .push(job.take().expect("the job is put back on every `Full`"))
            {
                Ok(()) => break Ok(()),
                Err(Full(j)) => job = Some(j),
            }
            st = match wait {
                Wait::Until(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break Err(Error::Timeout);
                    }
                    wait_timeout(&self.room, st, deadline - now).0
                }
                _ => crate::sync::wait(&self.room, st),
            };
        };
        self.blocked.fetch_sub(1, SeqCst);
        drop(st);
        result
    }

    /// The producer's half of the rule in the module docs.
    fn after_push(self: &Arc<Self>) {
        fence(SeqCst);
        let idle = self.idle.load(SeqCst);
        if idle >= ONE_SLEEPER {
            return self.wake_or_grow();
        }
        if idle > 0 || self.is_paused() {
            return; // a worker is looking (or `resume` will start one)
        }
        // Every worker is busy.
        let size = self.size();
        if size < self.eager() || (size < self.limit() && !self.monitor.load(SeqCst)) {
            self.wake_or_grow();
        }
    }

    /// Finds a worker for one more job: wakes a sleeper, or relies on a worker that is looking,
    /// or plans growth.
    fn wake_or_grow(self: &Arc<Self>) {
        let plan = {
            let mut st = lock(&self.state);
            let idle = self.idle.load(SeqCst);
            let sleepers = (idle >> 32) as usize;
            if sleepers > st.notified {
                st.notified += 1;
                self.work.notify_one();
                return;
            }
            if (idle & IDLE_MASK) as usize > sleepers || st.notified > 0 {
                return; // a worker is looking, or about to
            }
            self.plan_growth(&mut st, 1)
        };
        self.execute(plan);
    }

    /// Decides how to serve `wanted` more jobs than the workers looking for them can take.
    fn plan_growth(&self, st: &mut State, wanted: usize) -> Plan {
        if wanted == 0 || self.is_paused() {
            return Plan::Nothing;
        }
        let size = self.size();
        let eager = self.eager();
        if size < eager {
            let n = wanted.min(eager - size);
            return Plan::Spawn((0..n).map(|_| self.reserve(st)).collect());
        }
        if size < self.limit() && !self.monitor.swap(true, SeqCst) {
            return Plan::Monitor;
        }
        Plan::Nothing
    }

    /// Carries out a plan (with the state lock released). Every reserved worker gets its
    /// thread started, or its reservation undone; if any was refused, `spawn_failed` makes
    /// sure no job is left in a queue that nobody serves.
    fn execute(self: &Arc<Self>, plan: Plan) {
        match plan {
            Plan::Nothing => {}
            Plan::Spawn(slots) => {
                let mut refused = false;
                for slot in slots {
                    refused |= self.spawn_worker(slot).is_err();
                }
                if refused {
                    self.spawn_failed();
                }
            }
            Plan::Monitor => {
                let shared = self.clone();
                let undo = self.clone();
                let thread = ThreadBuilder {
                    name: format!("{}-monitor", self.config.thread_name),
                    stack_size: None,
                    main: Box::new(start_guard(
                        move || shared.monitor_main(),
                        move || undo.monitor.store(false, SeqCst),
                    )),
                };
                // Without a monitor the pool only misses growth beyond the eager workers.
                let _ = self.start_thread(thread);
            }
        }
    }

    /// A thread could not be started after a job was queued. If workers remain, queued jobs
    /// wait for them. If none remains (the last one left in that very instant), nothing would
    /// ever run the queue: every job in it is discarded and reported, its handle yielding
    /// `Cancelled` and `stats().discarded` counting it. (A pool found without any worker starts
    /// one *before* queueing, so there a refused thread is a refused job, `Error::Spawn`.)
    fn spawn_failed(&self) {
        let jobs = {
            let mut st = lock(&self.state);
            if self.size() > 0 {
                return;
            }
            let mut jobs: Vec<Job> = st.held.drain(..).collect();
            self.gate.fetch_and(!HELD, SeqCst);
            while let Some(job) = self.queue.pop() {
                jobs.push(job);
            }
            self.discarded.fetch_add(jobs.len() as u64, SeqCst);
            jobs
        };
        jobs.into_iter().for_each(Job::cancel);
        self.notify_room();
        self.notify_joiners();
    }

    // ---------------------------------------------------------------- thread starts

    /// Counts a new worker (idle, looking) before its thread exists.
    fn reserve(&self, st: &mut State) -> Arc<WorkerSlot> {
        self.size.fetch_add(1, SeqCst);
        self.idle.fetch_add(1, SeqCst);
        st.next_thread += 1;
        let slot = Arc::new(WorkerSlot::new(st.next_thread));
        st.workers.push(slot.clone());
        slot
    }

    /// Starts the thread of a reserved worker. If the thread never runs (refused, or the spawn
    /// handler dropped it), the reservation is undone by the start guard.
    fn spawn_worker(self: &Arc<Self>, slot: Arc<WorkerSlot>) -> std::io::Result<()> {
        let name = format!("{}-{}", self.config.thread_name, slot.id);
        let (shared, undo, slot2) = (self.clone(), self.clone(), slot.clone());
        let main = start_guard(
            move || shared.worker_main(&slot),
            move || {
                let mut st = lock(&undo.state);
                undo.size.fetch_sub(1, SeqCst);
                undo.idle.fetch_sub(1, SeqCst);
                st.workers.retain(|w| !Arc::ptr_eq(w, &slot2));
            },
        );
        self.start_thread(ThreadBuilder {
            name,
            stack_size: self.config.stack_size,
            main: Box::new(main),
        })
    }

    fn start_thread(&self, thread: ThreadBuilder) -> std::io::Result<()> {
        match &self.config.spawn_handler {
            Some(handler) => handler(thread),
            None => {
                let mut builder = thread::Builder::new().name(thread.name.clone());
                if let Some(size) = thread.stack_size {
                    builder = builder.stack_size(size);
                }
                builder.spawn(move || thread.run()).map(drop)
            }
        }
    }

    // ---------------------------------------------------------------- workers

    fn worker_main(self: Arc<Self>, slot: &WorkerSlot) {
        CURRENT.with(|c| c.set(self.addr()));
        self.peak.fetch_max(self.size(), SeqCst);
        if let Some(hook) = &self.config.on_thread_start {
            let _ = catch_unwind(AssertUnwindSafe(|| hook()));
        }
        // Born idle: the reservation counted us as looking.
        let mut next = self.search(slot);
        while let Some(job) = next {
            // BUSY: run jobs back to back while the queue has them.
            self.run(job, slot);
            next = match self.take_busy().or_else(|| self.linger()) {
                Some(job) => Some(job),
                None => {
                    self.become_idle();
                    self.search(slot)
                }
            };
        }
        if let Some(hook) = &self.config.on_thread_stop {
            let _ = catch_unwind(AssertUnwindSafe(|| hook()));
        }
        CURRENT.with(|c| c.set(0));
    }

    fn run(&self, job: Job, slot: &WorkerSlot) {
        bump(&slot.taken);
        let env = Env {
            panic_handler: self.config.panic_handler.as_deref(),
            spares: &self.spares,
        };
        match job.run(env) {
            Outcome::Completed => bump(&slot.completed),
            Outcome::Panicked => bump(&slot.panicked),
            Outcome::Cancelled => bump(&slot.cancelled),
        }
    }

    /// The busy worker's next job, when nothing unusual is going on (`gate` is zero).
    fn take_busy(&self) -> Option<Job> {
        if self.gate.load(SeqCst) != 0 {
            return None;
        }
        let job = self.queue.pop()?;
        self.after_pop();
        self.check_pause(job)
    }

    /// A busy worker that ran the queue dry looks again for a moment before it counts itself
    /// idle: on a busy pool the next job is usually a few hundred nanoseconds away, and going
    /// idle and back costs two writes to the shared `idle` word.
    fn linger(&self) -> Option<Job> {
        #[cfg(not(grpool_loom))]
        {
            // 1 + 2 + ... + 64 spin hints: a few microseconds at most.
            let backoff = crossbeam_utils::Backoff::new();
            for _ in 0..7 {
                backoff.spin();
                if let Some(job) = self.take_busy() {
                    return Some(job);
                }
            }
        }
        None
    }

    /// A worker that popped a job just as the pool was paused keeps the job aside (in `held`)
    /// rather than start it; it runs first after `resume`.
    fn check_pause(&self, job: Job) -> Option<Job> {
        if self.gate.load(SeqCst) & PAUSED == 0 {
            return Some(job);
        }
        let mut st = lock(&self.state);
        if self.gate.load(SeqCst) & PAUSED == 0 {
            return Some(job);
        }
        st.held.push_back(job);
        self.gate.fetch_or(HELD, SeqCst);
        None
    }

    fn after_pop(&self) {
        if self.config.queue_capacity.is_some() {
            fence(SeqCst);
            if self.blocked.load(SeqCst) > 0 {
                let _st = lock(&self.state);
                self.room.notify_one();
            }
        }
    }

    /// IDLE → BUSY. The last worker looking for jobs that finds one while more wait passes the
    /// search on: it wakes a sleeper or grows the pool, as a producer would. Without this, jobs
    /// added while a worker was looking would all count on that one worker.
    fn stop_looking(self: &Arc<Self>) {
        let idle = self.idle.fetch_sub(1, SeqCst);
        let looking = (idle & IDLE_MASK) - (idle >> 32);
        if looking == 1 && !self.queue.is_empty() {
            self.wake_or_grow();
        }
    }

    fn become_idle(&self) {
        self.idle.fetch_add(1, SeqCst);
        fence(SeqCst);
        if self.joiners.load(SeqCst) > 0 {
            let _st = lock(&self.state);
            self.idle_cv.notify_all();
        }
    }

    /// IDLE: look for a job, spinning briefly, then sleeping. Returns `None` when the worker
    /// has exited (its counts already removed).
    fn search(self: &Arc<Self>, slot: &WorkerSlot) -> Option<Job> {
        // Spin first: on a busy pool the next job usually arrives within microseconds, and a
        // sleep and wake-up cost far more than that.
        #[cfg(not(grpool_loom))]
        {
            let backoff = crossbeam_utils::Backoff::new();
            while self.gate.load(SeqCst) == 0 {
                if let Some(job) = self.queue.pop() {
                    self.after_pop();
                    if let Some(job) = self.check_pause(job) {
                        self.stop_looking();
                        return Some(job);
                    }
                    break;
                }
                if backoff.is_completed() {
                    break;
                }
                backoff.snooze();
            }
        }
        self.search_slow(slot)
    }

    fn search_slow(self: &Arc<Self>, slot: &WorkerSlot) -> Option<Job> {
        let mut st = lock(&self.state);
        let mut expires = Instant::now().checked_add(self.config.keep_alive);
        loop {
            let gate = self.gate.load(SeqCst);
            let paused = gate & PAUSED != 0;
            if gate & EXCESS != 0 {
                if self.size() > self.limit() {
                    // Leave without looking again: the remaining workers (at least one, as
                    // the limit is at least one) serve the queue.
                    self.leave(&mut st, slot);
                    return None;
                }
                self.gate.fetch_and(!EXCESS, SeqCst);
            }
            if !paused {
                let job = st.held.pop_front().or_else(|| self.queue.pop());
                if let Some(job) = job {
                    if st.held.is_empty() {
                        self.gate.fetch_and(!HELD, SeqCst);
                    }
                    drop(st);
                    self.after_pop();
                    self.stop_looking();
                    return Some(job);
                }
            }
            let closed = self.is_closed();
            if closed && (paused || st.held.is_empty()) && self.try_leave(&mut st, slot, paused) {
                return None;
            }
            if closed && !paused {
                continue; // a job arrived as we tried to leave
            }
            // SLEEP. Publish, fence, look again (the worker's half of the rule).
            self.idle.fetch_add(ONE_SLEEPER, SeqCst);
            fence(SeqCst);
            if !paused && !self.queue.is_empty() {
                self.idle.fetch_sub(ONE_SLEEPER, SeqCst);
                continue;
            }
            let now = Instant::now();
            let timed_out = match expires {
                Some(e) if now >= e => true,
                Some(e) => {
                    let (guard, timed_out) = wait_timeout(&self.work, st, e - now);
                    st = guard;
                    timed_out
                }
                None => {
                    st = wait(&self.work, st);
                    false
                }
            };
            self.idle.fetch_sub(ONE_SLEEPER, SeqCst);
            if st.notified > 0 {
                // Woken for a job (ours or another sleeper's token: either way, look).
                st.notified -= 1;
                expires = Instant::now().checked_add(self.config.keep_alive);
                continue;
            }
            if timed_out && self.try_leave(&mut st, slot, paused) {
                return None;
            }
            // Spurious, or woken by close, resume or a limit change: look again.
        }
    }

    /// Leaves unless a job arrived meanwhile; the worker's half of the rule again.
    fn try_leave(&self, st: &mut State, slot: &WorkerSlot, paused: bool) -> bool {
        self.size.fetch_sub(1, SeqCst);
        self.idle.fetch_sub(1, SeqCst);
        fence(SeqCst);
        if !paused && !self.queue.is_empty() {
            self.size.fetch_add(1, SeqCst);
            self.idle.fetch_add(1, SeqCst);
            return false;
        }
        self.retire(st, slot);
        true
    }

    /// Leaves at once (the pool has more workers than its limit).
    fn leave(&self, st: &mut State, slot: &WorkerSlot) {
        self.size.fetch_sub(1, SeqCst);
        self.idle.fetch_sub(1, SeqCst);
        self.retire(st, slot);
    }

    fn retire(&self, st: &mut State, slot: &WorkerSlot) {
        st.retired.add(slot.totals());
        st.workers.retain(|w| w.id != slot.id);
        if st.workers.is_empty() {
            // An idle pool holds no memory for jobs it may never see again.
            self.spares.clear();
        }
    }

    // ---------------------------------------------------------------- growth monitor

    /// Grows a pool whose workers are all stuck in long or blocking jobs while jobs wait.
    ///
    /// Up to the machine's parallelism, workers start as soon as a job finds none idle. Beyond
    /// that, a thread per queued job would be wasted on short jobs (they would all fight for
    /// the same cores), yet blocking jobs need a thread each. So while more jobs wait than
    /// workers are idle, this thread looks every `GROWTH_TICK`: a busy worker that started at
    /// most three jobs since the previous tick is *slow* (blocked, or running jobs of a
    /// quarter-tick or more), one that started `QUICK` or more is *quick*. While fewer than `parallelism` workers are quick, it
    /// starts one worker per slow worker (at least one), so a pool of blocked workers doubles
    /// every tick, up to the backlog and the limit. Short jobs keep their workers quick, so a
    /// burst of them never grows the pool past its eager workers. The monitor exits when the
    /// backlog is gone.
    fn monitor_main(self: Arc<Self>) {
        let mut st = lock(&self.state);
        loop {
            st = wait_timeout(&self.monitor_cv, st, GROWTH_TICK).0;
            let size = self.size();
            let limit = self.limit();
            let queued = self.queue.len();
            if self.is_closed() || self.is_paused() || queued == 0 || size >= limit {
                self.monitor.store(false, SeqCst);
                return;
            }
            // Idle workers (including ones whose thread is still starting) take jobs first.
            let idle = (self.idle.load(SeqCst) & IDLE_MASK) as usize;
            if idle >= queued {
                continue;
            }
            let (mut slow, mut quick) = (0, 0);
            for w in &st.workers {
                let taken = w.taken.load(Acquire);
                let started = taken - w.seen.swap(taken, Relaxed);
                let busy = taken > w.totals().ended();
                if started >= QUICK {
                    quick += 1;
                } else if busy {
                    slow += 1;
                }
            }
            if quick >= self.config.parallelism {
                continue;
            }
            let n = (queued - idle).min(limit - size).min(slow.max(1));
            let slots: Vec<_> = (0..n).map(|_| self.reserve(&mut st)).collect();
            drop(st);
            self.execute(Plan::Spawn(slots));
            st = lock(&self.state);
        }
    }

    // ---------------------------------------------------------------- control

    pub(crate) fn close(&self) {
        self.closed.store(true, SeqCst);
        let _st = lock(&self.state);
        self.work.notify_all();
        self.monitor_cv.notify_all();
        self.room.notify_all();
    }

    pub(crate) fn pause(&self) {
        self.gate.fetch_or(PAUSED, SeqCst);
    }

    pub(crate) fn resume(self: &Arc<Self>) {
        let plan = {
            let mut st = lock(&self.state);
            self.gate.fetch_and(!PAUSED, SeqCst);
            self.offer_work(&mut st)
        };
        self.execute(plan);
    }

    pub(crate) fn set_limit(self: &Arc<Self>, limit: usize) {
        let plan = {
            let mut st = lock(&self.state);
            self.limit.store(limit, SeqCst);
            if self.size() > limit {
                self.gate.fetch_or(EXCESS, SeqCst);
                // Let idle workers above the limit leave now.
                self.wake_all(&mut st);
                Plan::Nothing
            } else {
                self.offer_work(&mut st)
            }
        };
        self.execute(plan);
    }

    fn wake_all(&self, st: &mut State) {
        st.notified = (self.idle.load(SeqCst) >> 32) as usize;
        self.work.notify_all();
    }

    /// Wakes sleepers and plans new workers for the jobs waiting now.
    fn offer_work(&self, st: &mut State) -> Plan {
        let queued = self.queue.len() + st.held.len();
        let looking = (self.idle.load(SeqCst) & IDLE_MASK) as usize;
        self.wake_all(st);
        self.plan_growth(st, queued.saturating_sub(looking))
    }

    pub(crate) fn clear_jobs(&self) -> usize {
        let jobs = {
            let mut st = lock(&self.state);
            let mut jobs: Vec<Job> = st.held.drain(..).collect();
            self.gate.fetch_and(!HELD, SeqCst);
            while let Some(job) = self.queue.pop() {
                jobs.push(job);
            }
            self.discarded.fetch_add(jobs.len() as u64, SeqCst);
            jobs
        };
        let n = jobs.len();
        jobs.into_iter().for_each(Job::cancel);
        self.notify_room();
        self.notify_joiners();
        n
    }

    fn notify_room(&self) {
        if self.config.queue_capacity.is_some() {
            let _st = lock(&self.state);
            self.room.notify_all();
        }
    }

    fn notify_joiners(&self) {
        fence(SeqCst);
        if self.joiners.load(SeqCst) > 0 {
            let _st = lock(&self.state);
            self.idle_cv.notify_all();
        }
    }

    pub(crate) fn jobs(&self) -> usize {
        let held = if self.gate.load(SeqCst) & HELD != 0 {
            lock(&self.state).held.len()
        } else {
            0
        };
        self.queue.len() + held
    }

    /// Jobs that have ended, by any path; equal to `submitted` exactly when no job is queued,
    /// held or running. Read before `submitted` (see `is_idle`).
    fn ended(&self, st: &State) -> u64 {
        let mut totals = st.retired;
        st.workers.iter().for_each(|w| totals.add(w.totals()));
        totals.ended() + self.discarded.load(SeqCst) + self.cancelled_early.load(SeqCst)
    }

    /// Ended jobs are read first: a job counted there was counted as submitted before, so equal
    /// counts mean every job submitted so far has ended.
    fn is_idle(&self, st: &State) -> bool {
        let ended = self.ended(st);
        ended == self.submitted()
    }

    pub(crate) fn join(&self, timeout: Option<Duration>) -> bool {
        assert!(
            !self.on_worker(),
            "`Pool::join` called from one of the pool's own jobs would wait for itself forever; \
             join from outside the pool, or wait on a `JobHandle` instead"
        );
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut st = lock(&self.state);
        self.joiners.fetch_add(1, SeqCst);
        fence(SeqCst);
        let idle = loop {
            if self.is_idle(&st) {
                break true;
            }
            st = match deadline {
                None => wait(&self.idle_cv, st),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        break false;
                    }
                    wait_timeout(&self.idle_cv, st, d - now).0
                }
            };
        };
        self.joiners.fetch_sub(1, SeqCst);
        idle
    }

    pub(crate) fn stats(&self) -> Stats {
        let st = lock(&self.state);
        let mut totals = st.retired;
        st.workers.iter().for_each(|w| totals.add(w.totals()));
        let idle = self.idle.load(SeqCst);
        Stats {
            completed: totals.completed,
            panicked: totals.panicked,
            cancelled: totals.cancelled + self.cancelled_early.load(SeqCst),
            discarded: self.discarded.load(SeqCst),
            submitted: self.submitted(),
            workers: self.size(),
            idle_workers: (idle & IDLE_MASK) as usize,
            queued: self.queue.len() + st.held.len(),
            peak_workers: self.peak.load(SeqCst),
        }
    }
}

/// Wraps a thread's main function so that, if the thread never runs it (the spawn was refused
/// or the handler dropped it), `undo` runs instead when it is dropped.
fn start_guard<M: FnOnce() + Send + 'static, U: FnOnce() + Send + 'static>(
    main: M,
    undo: U,
) -> impl FnOnce() + Send + 'static {
    struct Guard<U: FnOnce()>(Option<U>);
    impl<U: FnOnce()> Drop for Guard<U> {
        fn drop(&mut self) {
            if let Some(undo) = self.0.take() {
                undo();
            }
        }
    }
    impl<U: FnOnce()> Guard<U> {
        fn disarm(mut self) {
            self.0 = None;
        }
    }
    let guard = Guard(Some(undo));
    move || {
        guard.disarm();
        main();
    }
}

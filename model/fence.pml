/* fence.pml - the folder store's lock protocol, the LRM's watchdog feeding,
 * the watchdog reset and the master's fence acknowledgement, as one model
 * for spin (model/README.md maps every step to the C function doing it).
 *
 * Processes: the LRM of node 1 (holds agent lock A1, runs service S), the
 * master (fences node 1 by taking A1, then recovers S to node 2), node 2
 * (starts S once it is placed there), and the clock with node 1's watchdog. Time is discrete: the clock ticks once every
 * process that is not paused or dead has finished its round, so a process
 * that pauses (anywhere between two store operations) lets any amount of
 * time pass. All times are kept as ages (now - stamp), each saturated just
 * past the largest value it is compared with, which keeps the state space
 * finite.
 *
 * Build switches (spin -D...):
 *   MAXF=n        at most n faults (pauses, pause ticks, store errors, lost
 *                 replies, crashes) in a run; default: unbounded
 *   LIVE          the master fences node 1 only once it is down (else at any
 *                 time, as for a node that is only cut off or slow), and the
 *                 liveness property; needs MAXF
 *   BROKEN_TIMING the renewal budget B is 3 larger: T < B + C + H
 *   FEED_ANY      the LRM feeds its watchdog after any lock call, fresh or not
 *   FEED_NOCHECK  the LRM feeds after a good renewal without checking, at the
 *                 feed, that the renewal is still within B (haven before the
 *                 check in applets/daemon/daemon_node.c)
 */

/* T lock_timeout, C watchdog client timeout, H hardware timeout. */
#define C 5
#define H 1
#define T (C + H + 3)
#ifdef BROKEN_TIMING
#define B (T - C - H + 1)
#else
#define B (T - C - H - 2)
#endif


#define L1 0 /* LRM of node 1, holder of agent lock A1 */
#define M 1  /* the master */
#define NP 2

/* --- the store: the lock folder of A1 --- */
bool claimed;           /* the head is a claim (g renamed away, g+1 not linked) */
byte owner;             /* holder named by the head record (or the claimer) */
bool rheld;             /* the head record says held (not released) */
bool maylink[NP];       /* p renamed the current g and may link g+1 */
bool hstale[NP];        /* a rename happened since p's last link (its head is gone) */
bool stale[NP];         /* the head changed since p's last observation */

/* --- each process's cache of its lock (struct dir_lock) --- */
bool held[NP];          /* held_g != 0 */
byte ok_age[NP];        /* now - ok_at, saturated at T (= none) */
byte ren_age[NP];       /* now - t_s of the running lock call */
bool vis[NP];           /* obs_valid */
bool vclaim[NP];        /* obs_claim != NULL */
byte vown[NP];          /* the viewed record's holder */
bool vheld[NP];
byte seen_age[NP];      /* now - seen_at */

/* --- nodes, watchdog, service --- */
bool up[2] = 1;         /* node 1 (index 0 unused); node 2 never fails here */
byte feed_age[2];       /* age of node 1's last watchdog feed */
bool wdexp[2];          /* node 1's mux saw the client pass C: no way back */
bool svc_on[3];         /* service S runs on node n */
byte loc = 1;           /* manager_status: S's node */
bool fenced;            /* the master acknowledged the fence of node 1 */

/* --- scheduling --- */
bool ran[NP], paused[NP], tk[NP], dead[NP];
byte faults;

#ifdef MAXF
#define FAULT (faults < MAXF) -> faults++
#else
#define FAULT true
#endif

/* Stop at this point for one or more clock ticks. */
inline pause(p)
{
    if
    :: true
    :: FAULT ->
        atomic { paused[p] = 1; tk[p] = 0 }
        do
        :: tk[p] ->
            if
            :: break
            :: FAULT -> tk[p] = 0
            fi
        od;
        paused[p] = 0
    fi
}

/* Every process except p now sees a different head. */
inline changed_all(p)
{
    q = 0;
    do
    :: q < NP ->
        if
        :: q != p -> stale[q] = 1
        :: else
        fi;
        q++
    :: else -> break
    od
}

/* dir_lock_observe: list and read the head, then record the view; a new
 * head (or a slow observation) starts the window at the end. */
inline observe(p, r)
{
    pause(p);
    if
    :: FAULT -> r = 0 /* the store did not answer: never "free" */
    :: atomic {
        r = 1;
        chg = !vis[p] || stale[p];
        vis[p] = 1; stale[p] = 0;
        vclaim[p] = claimed; vown[p] = owner; vheld[p] = claimed || rheld
       }
    fi;
    if
    :: r -> slow = 0;
        if
        :: true
        :: FAULT -> pause(p); slow = 1 /* a hung listing */
        fi;
        if
        :: chg || slow -> seen_age[p] = 0
        :: else
        fi
    :: else
    fi
}

/* dir_lock_advance: claim by rename, install g+1 by link. usehead: the
 * caller renews exactly its own head (renew, dir_guard), else the view. */
inline advance(p, usehead, h, won)
{
    won = 0;
    pause(p);
    if
    :: atomic { (usehead -> !hstale[p] : !stale[p]) ->
        claimed = 1; owner = p;
        maylink[p] = 1;
        q = 0;
        do
        :: q < NP -> if :: q != p -> hstale[q] = 1; stale[q] = 1 :: else fi; q++
        :: else -> break
        od;
        hstale[p] = 1; won = 1 }
        if
        :: true
        :: FAULT -> won = 0 /* the reply was lost, and the check too */
        fi
    :: FAULT /* the store failed: nothing renamed */
    :: else
    fi;
    if
    :: won ->
        won = 0;
        pause(p);
        if
        :: atomic { claimed && maylink[p] ->
            claimed = 0; owner = p; rheld = h;
            q = 0;
            do
            :: q < NP -> maylink[q] = 0; q++
            :: else -> break
            od;
            changed_all(p);
            hstale[p] = 0;
            /* set_view(g+1): our own record, a new window */
            vis[p] = 1; stale[p] = 0; vclaim[p] = 0; vown[p] = p; vheld[p] = h; seen_age[p] = 0;
            won = 1 }
            if
            :: true
            :: FAULT -> won = 0 /* linked, but the reply was lost */
            fi
        :: FAULT
        :: else
        fi
    :: else
    fi
}

/* finish_won: good only within the budget B; held_g is kept either way. */
inline finish(p, good)
{
    pause(p); /* before the clock is read */
    held[p] = 1;
    if
    :: ren_age[p] <= B -> ok_age[p] = ren_age[p]; good = 1
    :: else -> good = 0
    fi
}

inline drop(p)
{
    held[p] = 0; ok_age[p] = T
}

/* dir_store_lock_get: renew while the last good renewal is younger than T,
 * else acquire (observe, then advance a free, own or expired head). */
inline lock_get(p, good)
{
    good = 0;
    ren_age[p] = 0;
    exp0 = seen_age[p] > T; /* head_expired() at t_s, if the view stays */
    if
    :: held[p] && ok_age[p] < T ->
        advance(p, 1, 1, won);
        if
        :: won -> finish(p, good)
        :: else -> vis[p] = 0; drop(p)
        fi
    :: else ->
        observe(p, r);
        if
        :: r && ((!vclaim[p] && !vheld[p]) || vown[p] == p ||
                 (!chg && !slow && exp0)) ->
            advance(p, 0, 1, won);
            if
            :: won -> finish(p, good);
                if
                :: !good -> drop(p)
                :: else
                fi
            :: else -> drop(p)
            fi
        :: else -> drop(p)
        fi
    fi
}

/* The LRM of node n (state/lrm.c lrm_take_agent_lock, the worker's lease
 * check in applets/daemon/lrm_workers.c run_job). */
proctype lrm(byte p; byte n)
{
    bool good, won, r, chg, slow, exp0;
    byte q;

    {
    do
    :: ran[p] == 0 ->
        lock_get(p, good);
#ifdef FEED_ANY
        good = 1;
#endif
        if
        :: good ->
            pause(p);
            atomic {
#if defined(FEED_NOCHECK) || defined(FEED_ANY)
            if
            :: !wdexp[n] -> feed_age[n] = 0
            :: else
            fi
#else
            /* daemon_node.c env_wd_update: only within B of the renewal */
            if
            :: !wdexp[n] && ok_age[p] <= B -> feed_age[n] = 0
            :: else
            fi
#endif
            }
        :: else
        fi;
        /* the service: a start needs a lease younger than B; stops never wait */
        if
        :: loc == n && !svc_on[n] && ok_age[p] <= B ->
            pause(p);
            /* safety: S never runs on two nodes (it only starts here) */
            atomic { svc_on[n] = 1; assert(!(svc_on[1] && svc_on[2])) }
        :: loc != n && svc_on[n] -> svc_on[n] = 0
        :: else
        fi;
        if
        :: FAULT -> dead[p] = 1 /* kill -9: the mux stops feeding */
        :: true
        fi;
        atomic { good = 0; won = 0; r = 0; chg = 0; slow = 0; exp0 = 0; q = 0; ren_age[p] = 0; ran[p] = 1 }
    od
    } unless { !up[n] || dead[p] };
    /* gone: forget its cache (fewer states) */
    atomic {
        dead[p] = 1; vis[p] = 0; stale[p] = 0; hstale[p] = 0; maylink[p] = 0; drop(p);
        seen_age[p] = 0; ren_age[p] = 0; vclaim[p] = 0; vown[p] = 0; vheld[p] = 0;
        paused[p] = 0; tk[p] = 0; ran[p] = 0
    }
}

/* The master: fences node 1 by taking its agent lock (manager_nodes.c
 * mgr_fence_node), then recovers S to node 2 (manager_svc.c). A crash of
 * the master loses its lock cache; a new master goes on from the status. */
proctype master()
{
    bool good, won, r, chg, slow, exp0, fencing;
    byte q;

    do
    :: ran[M] == 0 ->
        if
#ifdef LIVE
        :: !fencing && !up[1] -> fencing = 1
#else
        :: !fencing -> fencing = 1 /* node 1 looks offline (maybe only cut off) */
#endif
        :: fencing && !fenced ->
            lock_get(M, good);
            if
            :: good -> fenced = 1;
                /* the lock cache is not used again: forget it (fewer states) */
                vis[M] = 0; stale[M] = 0; hstale[M] = 0; maylink[M] = 0; drop(M); seen_age[M] = 0;
                vclaim[M] = 0; vown[M] = 0; vheld[M] = 0
            :: else
            fi
        :: else
        fi;
        /* the acknowledged fence lets the same pass recover S */
        if
        :: fenced && loc == 1 -> pause(M); loc = 2
        :: else
        fi;
        if
        :: FAULT -> vis[M] = 0; drop(M) /* crash and restart */
        :: true
        fi;
        atomic { good = 0; won = 0; r = 0; chg = 0; slow = 0; exp0 = 0; q = 0; ren_age[M] = 0; ran[M] = 1 }
    od
}

/* The clock and the hardware: a tick once every live process has ended its
 * round or is paused; never past a reset that is due. */
active proctype clock()
{
    byte p;

    do
    :: atomic { (ran[L1] || paused[L1] || dead[L1]) &&
                (ran[M] || paused[M]) && (!up[1] || feed_age[1] < C + H) ->
        p = 0;
        do
        :: p < NP ->
            if :: ok_age[p] < T -> ok_age[p]++ :: else fi;
            if :: ren_age[p] <= B -> ren_age[p]++ :: else fi;
            if :: seen_age[p] <= T -> seen_age[p]++ :: else fi;
            ran[p] = 0; tk[p] = 1;
            p++
        :: else -> break
        od;
        if :: feed_age[1] < C + H -> feed_age[1]++ :: else fi;
        if :: feed_age[1] > C -> wdexp[1] = 1 :: else fi;
        p = 0 }
    /* the mux stopped feeding: the device resets the node within H */
    :: atomic { up[1] && wdexp[1] -> up[1] = 0; svc_on[1] = 0 }
    od
}

/* Node 2's LRM starts S once it is placed there. Its own agent lock is not
 * contended in this model (nobody fences node 2), so its lease is taken as
 * always fresh: the worst case for node 1. */
active proctype node2()
{
    do
    :: atomic { loc == 2 && !svc_on[2] -> svc_on[2] = 1; assert(!(svc_on[1] && svc_on[2])) }
    od
}

init
{
    atomic {

        owner = L1; rheld = 1;
        held[L1] = 1; ok_age[L1] = 0; ok_age[M] = T;
        svc_on[1] = 1;
        run lrm(L1, 1);
        run master()
    }
}

#ifdef LIVE
/* Liveness: once node 1 is down, S runs on node 2. */
ltl recovery { [] (!up[1] -> <> svc_on[2]) }
#endif

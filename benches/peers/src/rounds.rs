//! The side-by-side run: rounds of batches, interleaved, each operation
//! fed by the tokens an earlier one of the same round issued.

use crate::fixture::{BASIC, Failure, VERIFIER, WRONG_BASIC, WRONG_VERIFIER};
use crate::harness::{Timing, time_batch};
use crate::oxide_side::Oxide;
use crate::peer::{Operation, Peer};
use crate::qscope_side::Qscope;

/// The tokens one batch hands to a later operation of the same round.
#[derive(Default)]
struct Feed {
    /// From the code exchange, for the rotation.
    refresh_tokens: Vec<String>,
    /// From the client credentials grant, for the bearer check.
    access_tokens: Vec<String>,
}

/// Runs each operation once through `peer` before anything is timed and
/// says what came back, so no table can be the timing of an error path.
/// (Every answer of every timed batch is checked the same way, after the
/// batch.) Then a wrong verifier and a wrong client secret must be
/// refused, so no side is timed without its PKCE or its secret check.
pub(crate) fn check_once<P: Peer>(peer: &mut P) -> Result<(), Failure> {
    let mut feed = Feed::default();
    for operation in Operation::ALL {
        run_batch(peer, operation, 1, &mut feed)?;
    }
    let wrong_verifier = peer.prepare_code_exchanges(1, WRONG_VERIFIER);
    let Err(verifier_refused) = time_batch(peer, Operation::CodeExchange, wrong_verifier) else {
        return Err(Failure(format!("{} accepted a wrong PKCE verifier", P::NAME)));
    };
    let wrong_secret = peer.prepare_client_credentials(1, WRONG_BASIC);
    let Err(secret_refused) = time_batch(peer, Operation::ClientCredentials, wrong_secret) else {
        return Err(Failure(format!("{} accepted a wrong client secret", P::NAME)));
    };
    println!(
        "checked {}: code exchange and rotation 200 with access and refresh tokens, \
         client credentials 200 with an access token, bearer check allowed; \
         refused a wrong PKCE verifier ({verifier_refused}) and a wrong client secret \
         ({secret_refused})",
        P::NAME
    );
    Ok(())
}

/// Prepares one batch of `operation` (untimed), times it, checks it, and
/// passes its tokens on through `feed`.
fn run_batch<P: Peer>(
    peer: &mut P,
    operation: Operation,
    iterations: usize,
    feed: &mut Feed,
) -> Result<Timing, Failure> {
    let requests = match operation {
        Operation::CodeExchange => peer.prepare_code_exchanges(iterations, VERIFIER),
        Operation::RefreshRotation => peer.prepare_refresh_rotations(&feed.refresh_tokens),
        Operation::ClientCredentials => peer.prepare_client_credentials(iterations, BASIC),
        Operation::BearerCheck => peer.prepare_bearer_checks(&feed.access_tokens),
    };
    let batch = time_batch(peer, operation, requests)?;
    match operation {
        Operation::CodeExchange => feed.refresh_tokens = batch.refresh_tokens,
        Operation::ClientCredentials => feed.access_tokens = batch.access_tokens,
        Operation::RefreshRotation | Operation::BearerCheck => {}
    }
    Ok(batch.timing)
}

/// `rounds` rounds; in each, every operation runs one batch of `iterations`
/// requests through each implementation, which one goes first alternating,
/// so both stores grow at the same pace and neither always runs on the
/// warmer cache. Returns, per operation, qscope's and oxide-auth's batches.
pub(crate) fn side_by_side(
    qscope: &mut Qscope,
    oxide: &mut Oxide,
    rounds: usize,
    iterations: usize,
) -> Result<[[Vec<Timing>; 2]; 4], Failure> {
    let mut samples: [[Vec<Timing>; 2]; 4] = Default::default();
    let (mut qscope_feed, mut oxide_feed) = (Feed::default(), Feed::default());
    for round in 0..rounds {
        for (row, ([ours, theirs], operation)) in samples.iter_mut().zip(Operation::ALL).enumerate()
        {
            if (round + row) % 2 == 0 {
                ours.push(run_batch(qscope, operation, iterations, &mut qscope_feed)?);
                theirs.push(run_batch(oxide, operation, iterations, &mut oxide_feed)?);
            } else {
                theirs.push(run_batch(oxide, operation, iterations, &mut oxide_feed)?);
                ours.push(run_batch(qscope, operation, iterations, &mut qscope_feed)?);
            }
        }
        eprintln!("round {}/{rounds} done", round + 1);
    }
    Ok(samples)
}

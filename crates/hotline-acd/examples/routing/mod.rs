//! The routing benchmark's engine and draws, shared by `benches/acd.rs` (which includes this file
//! by path) and the `instructions` example, so that both measure the same engine with the same
//! calls.

use hotline_acd::{Acd, AgentConfig, Config, PolicyName, QueueConfig};
use rand_core::{Rng, SeedableRng};
use rand_xoshiro::SplitMix64;

/// A uniform integer in `0..bound` (Lemire's multiply-and-reject). With `SplitMix64` it draws
/// the same skills and requirements as the benchmark did before the generator moved to
/// `rand_xoshiro`, so figures stay comparable.
pub fn below(rng: &mut impl Rng, bound: u64) -> u64 {
    loop {
        let product = u128::from(rng.next_u64()) * u128::from(bound);
        if (product as u64) >= bound.wrapping_neg() % bound {
            return (product >> 64) as u64;
        }
    }
}

/// One queue, `agents` ready members; with `skills` > 0, that many skills and five (drawn) per agent.
pub fn engine(agents: usize, policy: PolicyName, skills: usize) -> Acd {
    let mut config = (0..skills).fold(Config::new(), |c, i| c.skill(format!("s{i}")));
    config.queues.push(QueueConfig::new("q").policy(policy));
    let mut rng = SplitMix64::seed_from_u64(42);
    for i in 0..agents {
        let mut agent = AgentConfig::new(format!("agent{i}")).member("q", 1, i as u32 + 1);
        agent.ready = true;
        if skills > 0 {
            for _ in 0..5 {
                let s = below(&mut rng, skills as u64);
                let p = 1 + below(&mut rng, 10) as u8;
                agent = agent.skill(&format!("s{s}"), p);
            }
        }
        config.agents.push(agent);
    }
    Acd::new(&config).expect("valid benchmark configuration")
}

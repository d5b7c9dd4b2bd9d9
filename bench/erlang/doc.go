// Package erlang predicts the steady-state behaviour of a single skill queue
// from queueing theory, so that `switchboard simulate` can print what the real
// hub measured on virtual time beside what the models say it should measure.
//
// Everything here is a pure function of its arguments: no clock, no
// randomness, no shared state. Every function is safe for concurrent use.
//
// # Units and inputs
//
// Rates are per second and times are in seconds:
//
//	λ  arrival rate of contacts (Poisson), per second
//	h  mean handle time (exponential), seconds; μ = 1/h
//	c  number of agents, each handling one contact at a time
//	T  service-level threshold, seconds ("answered within T")
//	θ  mean patience (exponential), seconds; γ = 1/θ  (Erlang A only)
//
// The offered load is A = λh erlangs.
//
// # Erlang C (M/M/c, infinite patience)
//
// The probability that an arrival waits is the Erlang C formula
//
//	C(c, A) = (A^c/c! · c/(c−A)) / (Σ_{k<c} A^k/k! + A^c/c! · c/(c−A)),
//
// which we never evaluate in that form: A^c and c! overflow long before c
// reaches a thousand. Instead Erlang B comes from the recursion
//
//	B(0, A) = 1,  B(k, A) = A·B(k−1, A) / (k + A·B(k−1, A)),
//
// whose every step is a ratio in [0, 1] and which is stable for any c, and C
// from B by
//
//	C(c, A) = c·B / (c − A·(1 − B)).
//
// Then, with the stability condition A < c,
//
//	ASA = C·h/(c − A)                      mean wait over all arrivals
//	SL  = 1 − C·exp(−(c − A)·T/h)          P(wait ≤ T)
//	occupancy = A/c,  abandonment = 0.
//
// References: A. K. Erlang (1917), "Solution of some problems in the theory
// of probabilities of significance in automatic telephone exchanges";
// R. B. Cooper, Introduction to Queueing Theory, 2nd ed. (1981), §3.4 and §4.2;
// D. L. Jagerman (1974), "Some properties of the Erlang loss function", Bell
// System Technical Journal 53(3), for the recursion.
//
// # Erlang A (M/M/c+M, exponential patience)
//
// Palm's model: each waiting contact abandons after an exponential patience
// with mean θ unless an agent takes it first; an agent never drops a contact
// it has taken. The queue is stable for every load, so ErlangA accepts A ≥ c.
// See C. Palm (1943/1946); O. Garnett, A. Mandelbaum and M. Reiman (2002),
// "Designing a call center with impatient customers", Manufacturing & Service
// Operations Management 4(3):208–227; A. Mandelbaum and S. Zeltyn, "The
// M/M/n+G queue: summary of performance measures" (Technion technical note).
//
// Method. Let V be the offered wait: how long an arrival would wait if its
// patience were infinite. With exponential service, V = 0 when fewer than c
// agents are busy, and V has a density on (0, ∞) that a level-crossing
// argument gives in closed form (Baccelli and Hébuterne 1981, "On queues with
// impatient customers"; Mandelbaum and Zeltyn, eq. for M/M/n+G with
// Ḡ(x) = e^{−γx}):
//
//	f_V(x) = λ·π_{c−1}·exp(φ(x)),   φ(x) = (λ/γ)·(1 − e^{−γx}) − cμ·x,
//
// where π_{c−1} is the stationary probability that exactly c−1 agents are
// busy. Because patience is independent of V, an arrival is answered iff its
// patience exceeds V, so with ψ(x) = φ(x) − γx:
//
//	P(wait)    = P(V > 0)            = λπ_{c−1}·∫₀^∞ e^φ
//	P(abandon) = P(patience < V)     = λπ_{c−1}·∫₀^∞ e^φ·(1 − e^{−γx})
//	P(answered within T)             = P(V = 0) + λπ_{c−1}·∫₀^T e^ψ
//	E[wait; answered]                = λπ_{c−1}·∫₀^∞ x·e^ψ
//
// and the normalisation Σ_{n<c} π_n = π_{c−1}/B(c−1, A) closes the system:
//
//	P(wait) = 1 / (1 + (1/B(c−1, A)) / (λ·∫₀^∞ e^φ)).
//
// (As θ → ∞, φ(x) → −(cμ − λ)x and these reduce to the Erlang C formulas.)
// The integrals could be written with the regularised incomplete gamma
// function of shape cμ/γ and argument λ/γ, but both arguments grow without
// bound as θ → ∞, where incomplete-gamma codes lose accuracy, and the mean
// wait needs a derivative in the shape besides. φ and ψ are concave, so the
// integrands are unimodal and log-concave, with peaks we know in closed form
// (where λe^{−γx} = cμ, resp. cμ + γ). We integrate them by adaptive
// Gauss–Kronrod (7–15) quadrature to a relative accuracy of 1e−12, on the
// window where they lie within e^{−60} of their peak, split at the peaks and
// at T. φ is evaluated relative to its peak in a cancellation-free form, and
// 1/B(c−1, A) is carried as a logarithm, so nothing overflows or loses
// precision for any c, load or patience: a call costs O(c) for B plus some
// hundreds of exponentials. A truncated birth–death chain (states 0..c+K, death
// rate min(n, c)/h + max(n−c, 0)/θ) would also do, but the truncation point
// grows like λθ and is unbounded in overload as θ → ∞; the tests use that
// chain, and an exact tagged-customer chain, as independent references.
//
// Definitions used by ErlangA, chosen to match what the simulator measures:
//
//	ProbWait     P(an arrival finds every agent busy), = P(V > 0)
//	AbandonRate  P(an arrival abandons), a fraction of all arrivals
//	ASA          mean wait of answered contacts, counting those answered at
//	             once as zero; abandoned contacts are excluded
//	ServiceLevel (contacts answered within T) / (all arrivals); a contact
//	             that abandons never counts as answered, however early it left
//	Occupancy    λ·(1 − P(abandon))·h / c, the fraction of agent time busy
//
// # Staffing
//
// AgentsFor finds the smallest c whose Erlang C service level meets a
// target; service level is increasing in c, so it walks up from the smallest
// stable c, updating B by one recursion step per agent.
package erlang

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/clock.hpp"
#include "daemon/flow_key.hpp"
#include "daemon/verdict_pipeline.hpp"
#include "dbus/prompt_answer.hpp"
#include "rules/connection.hpp"

namespace sluice {

struct PromptSettings {
    std::chrono::milliseconds timeout{20'000};  // prompt.timeout
    Action fallback = Action::kDeny;            // prompt.fallback
    // Parked packets sit in the kernel queue and take its slots (queue.max_len): keep the
    // total well below it so undecided connections never crowd out new ones.
    std::size_t max_parked_packets = 1024;
    std::size_t max_pending_prompts = 256;
    std::size_t max_packets_per_prompt = 64;
};

// One prompt as the agents are asked it.
struct PromptRequest {
    std::string id;
    Connection connection;
    std::chrono::milliseconds timeout{0};  // the agents' deadline, from now
};

// Where prompts are asked: the registered agents (D-Bus). Queue thread; never blocks.
class PromptAgents {
  public:
    PromptAgents() = default;
    virtual ~PromptAgents() = default;
    PromptAgents(const PromptAgents&) = delete;
    PromptAgents& operator=(const PromptAgents&) = delete;

    // Starts asking every agent allowed to answer for the connection (its owner's agents and
    // root's). Returns how many were asked; 0 when none can be. Answers arrive later through
    // PromptBroker::answer() and agent_failed(), never from inside ask().
    virtual std::size_t ask(const PromptRequest& request) = 0;
    // The prompt is over (answered, timed out, given up): take the question back from every
    // agent still asked (org.sluice.PromptAgent1.Cancel) and ignore their late answers.
    virtual void withdraw(const std::string& prompt_id) = 0;
};

// What the broker's outcomes do. Queue thread; never blocks.
class PromptEffects {
  public:
    PromptEffects() = default;
    virtual ~PromptEffects() = default;
    PromptEffects(const PromptEffects&) = delete;
    PromptEffects& operator=(const PromptEffects&) = delete;

    // The verdict for one parked packet (VerdictPipeline::decide_parked).
    virtual void decide(const ParkedPacket& packet, const FlowKey& flow,
                        const Connection& connection, MarkDecision decision, DecisionReason reason,
                        std::string_view rule_id) = 0;
    // Makes the rule an answer asks for (none for scope once); returns its id, or "" when no
    // rule was made (the implementation logs why). The verdict does not depend on it.
    virtual std::string make_rule(const PromptAnswer& answer, const Connection& connection) = 0;
    // Verdicts decided outside a queue batch must leave now.
    virtual void flush() = 0;
    // The earliest prompt deadline changed (nullopt: no prompt is pending); call expire() then.
    virtual void schedule(std::optional<std::chrono::steady_clock::time_point> deadline) = 0;
};

// Parks connections that need a prompt, asks the agents, and turns the first answer (or the
// fallback at the deadline) into verdicts for every parked packet and, per the answer's
// scope, a rule. Packets of the same flow, and new connections of the same program to the
// same destination while the prompt is pending, join it instead of asking again. Bounded by
// PromptSettings; over a bound the pipeline applies prompt.fallback at once. A pending
// prompt holds only its own packets: everything else keeps flowing. Queue thread only.
class PromptBroker final : public PromptGate {
  public:
    struct Counters {
        std::uint64_t prompts = 0;        // prompts asked
        std::uint64_t joined = 0;         // packets that joined a pending prompt
        std::uint64_t answered = 0;       // prompts decided by an answer
        std::uint64_t timed_out = 0;      // prompts decided by the fallback at the deadline
        std::uint64_t agents_failed = 0;  // prompts whose every asked agent failed
        std::uint64_t full = 0;           // packets refused because a bound was reached
        std::uint64_t late_answers = 0;   // answers for prompts that were already over
    };

    PromptBroker(PromptSettings settings, const Clock& clock, PromptAgents& agents,
                 PromptEffects& effects);

    bool join(const ParkedPacket& packet, const FlowKey& flow) override;
    ParkResult park(const ParkedPacket& packet, const FlowKey& flow,
                    const Connection& connection) override;

    // An agent answered `prompt_id`.
    void answer(const std::string& prompt_id, const PromptAnswer& answer);
    // One agent asked about `prompt_id` failed (error reply, left the bus); when none is left
    // the fallback decides at once instead of waiting for the deadline.
    void agent_failed(const std::string& prompt_id);
    // Decides every prompt whose deadline has passed with the fallback.
    void expire();
    // Decides every pending prompt now (filtering switched off, shutdown).
    void decide_all(MarkDecision decision, DecisionReason reason);
    // New timeout and fallback apply to prompts asked from now on.
    void set_settings(const PromptSettings& settings) { settings_ = settings; }

    [[nodiscard]] std::size_t pending_prompts() const { return prompts_.size(); }
    [[nodiscard]] std::size_t parked_packets() const { return parked_packets_; }
    [[nodiscard]] const Counters& counters() const { return counters_; }
    [[nodiscard]] std::optional<std::chrono::steady_clock::time_point> next_deadline() const;

  private:
    struct Waiting {
        ParkedPacket packet;
        FlowKey flow;
        Connection connection;
    };
    struct Prompt {
        std::string destination;  // the join key
        Connection connection;    // as the first packet showed it
        std::chrono::steady_clock::time_point deadline;
        std::size_t agents_asked = 0;
        std::vector<Waiting> packets;
    };

    static std::string destination_key(const Connection& connection);
    bool add_packet(Prompt& prompt, const std::string& id, const ParkedPacket& packet,
                    const FlowKey& flow, const Connection& connection);
    std::optional<Prompt> take(const std::string& prompt_id);
    void finish(const Prompt& prompt, MarkDecision decision, DecisionReason reason,
                std::string_view rule_id);

    PromptSettings settings_;
    const Clock& clock_;
    PromptAgents& agents_;
    PromptEffects& effects_;
    std::unordered_map<std::string, Prompt> prompts_;
    std::unordered_map<std::string, std::string> by_destination_;
    std::unordered_map<FlowKey, std::string, FlowKeyHash> by_flow_;
    std::size_t parked_packets_ = 0;
    std::uint64_t next_id_ = 0;
    Counters counters_;
};

}  // namespace sluice

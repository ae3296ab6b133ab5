#include "daemon/prompt_broker.hpp"

namespace sluice {

PromptBroker::PromptBroker(PromptSettings settings, const Clock& clock, PromptAgents& agents,
                           PromptEffects& effects)
    : settings_(settings), clock_(clock), agents_(agents), effects_(effects) {}

std::string PromptBroker::destination_key(const Connection& connection) {
    // Same program of the same user to the same remote endpoint: one question covers them.
    std::string key = connection.uid ? std::to_string(*connection.uid) : std::string("?");
    key += '|';
    key += connection.exe;
    key += '|';
    key += connection.remote_address.to_string();
    key += '|';
    key += std::to_string(connection.remote_port);
    key += '|';
    key += to_string(connection.protocol);
    key += '|';
    key += to_string(connection.direction);
    return key;
}

bool PromptBroker::add_packet(Prompt& prompt, const std::string& id, const ParkedPacket& packet,
                              const FlowKey& flow, const Connection& connection) {
    if (prompt.packets.size() >= settings_.max_packets_per_prompt ||
        parked_packets_ >= settings_.max_parked_packets) {
        ++counters_.full;
        return false;
    }
    prompt.packets.push_back(Waiting{packet, flow, connection});
    by_flow_.emplace(flow, id);
    ++parked_packets_;
    ++counters_.joined;
    return true;
}

bool PromptBroker::join(const ParkedPacket& packet, const FlowKey& flow) {
    const auto found = by_flow_.find(flow);
    if (found == by_flow_.end()) {
        return false;
    }
    const std::string id = found->second;
    auto& prompt = prompts_.at(id);
    // Over the per-prompt bound the packet goes the normal way and is refused as full there.
    return add_packet(prompt, id, packet, flow, prompt.connection);
}

ParkResult PromptBroker::park(const ParkedPacket& packet, const FlowKey& flow,
                              const Connection& connection) {
    std::string destination = destination_key(connection);
    if (const auto pending = by_destination_.find(destination); pending != by_destination_.end()) {
        const std::string id = pending->second;
        return add_packet(prompts_.at(id), id, packet, flow, connection) ? ParkResult::kParked
                                                                         : ParkResult::kFull;
    }
    if (prompts_.size() >= settings_.max_pending_prompts ||
        parked_packets_ >= settings_.max_parked_packets) {
        ++counters_.full;
        return ParkResult::kFull;
    }
    PromptRequest request{std::to_string(++next_id_), connection, settings_.timeout};
    const std::size_t asked = agents_.ask(request);
    if (asked == 0) {
        return ParkResult::kNoAgent;
    }
    ++counters_.prompts;
    Prompt prompt;
    prompt.destination = destination;
    prompt.connection = connection;
    prompt.deadline = clock_.steady_now() + settings_.timeout;
    prompt.agents_asked = asked;
    prompt.packets.push_back(Waiting{packet, flow, connection});
    by_flow_.emplace(flow, request.id);
    by_destination_.emplace(std::move(destination), request.id);
    prompts_.emplace(request.id, std::move(prompt));
    ++parked_packets_;
    effects_.schedule(next_deadline());
    return ParkResult::kParked;
}

std::optional<PromptBroker::Prompt> PromptBroker::take(const std::string& prompt_id) {
    auto node = prompts_.extract(prompt_id);
    if (node.empty()) {
        return std::nullopt;
    }
    Prompt prompt = std::move(node.mapped());
    by_destination_.erase(prompt.destination);
    for (const auto& waiting : prompt.packets) {
        by_flow_.erase(waiting.flow);
    }
    parked_packets_ -= prompt.packets.size();
    return prompt;
}

void PromptBroker::finish(const Prompt& prompt, MarkDecision decision, DecisionReason reason,
                          std::string_view rule_id) {
    for (const auto& waiting : prompt.packets) {
        effects_.decide(waiting.packet, waiting.flow, waiting.connection, decision, reason,
                        rule_id);
    }
}

void PromptBroker::answer(const std::string& prompt_id, const PromptAnswer& answer) {
    auto prompt = take(prompt_id);
    if (!prompt) {
        ++counters_.late_answers;
        return;
    }
    ++counters_.answered;
    agents_.withdraw(prompt_id);
    const std::string rule_id = effects_.make_rule(answer, prompt->connection);
    finish(*prompt, mark_decision_for(answer.action), DecisionReason::kPromptAnswer, rule_id);
    effects_.flush();
    effects_.schedule(next_deadline());
}

void PromptBroker::agent_failed(const std::string& prompt_id) {
    const auto found = prompts_.find(prompt_id);
    if (found == prompts_.end()) {
        return;
    }
    if (found->second.agents_asked > 1) {
        --found->second.agents_asked;
        return;
    }
    auto prompt = take(prompt_id);
    ++counters_.agents_failed;
    agents_.withdraw(prompt_id);
    finish(*prompt, mark_decision_for(settings_.fallback), DecisionReason::kPromptFallback, {});
    effects_.flush();
    effects_.schedule(next_deadline());
}

void PromptBroker::expire() {
    const auto now = clock_.steady_now();
    std::vector<std::string> due;
    for (const auto& [id, prompt] : prompts_) {
        if (prompt.deadline <= now) {
            due.push_back(id);
        }
    }
    for (const auto& id : due) {
        auto prompt = take(id);
        ++counters_.timed_out;
        agents_.withdraw(id);
        finish(*prompt, mark_decision_for(settings_.fallback), DecisionReason::kPromptFallback, {});
    }
    if (!due.empty()) {
        effects_.flush();
    }
    effects_.schedule(next_deadline());
}

void PromptBroker::decide_all(MarkDecision decision, DecisionReason reason) {
    std::vector<std::string> ids;
    ids.reserve(prompts_.size());
    for (const auto& entry : prompts_) {
        ids.push_back(entry.first);
    }
    for (const auto& id : ids) {
        auto prompt = take(id);
        agents_.withdraw(id);
        finish(*prompt, decision, reason, {});
    }
    if (!ids.empty()) {
        effects_.flush();
    }
    effects_.schedule(std::nullopt);
}

std::optional<std::chrono::steady_clock::time_point> PromptBroker::next_deadline() const {
    std::optional<std::chrono::steady_clock::time_point> earliest;
    for (const auto& entry : prompts_) {
        if (!earliest || entry.second.deadline < *earliest) {
            earliest = entry.second.deadline;
        }
    }
    return earliest;
}

}  // namespace sluice

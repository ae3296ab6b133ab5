#include "daemon/agent_registry.hpp"

#include <algorithm>

namespace sluice {

Result<void> AgentRegistry::add(const Agent& agent) {
    std::size_t of_sender = 0;
    for (const auto& existing : agents_) {
        if (existing.sender == agent.sender && existing.path == agent.path) {
            return {};
        }
        of_sender += existing.sender == agent.sender ? 1 : 0;
    }
    if (of_sender >= kMaxPerSender) {
        return Error{"a client may register at most " + std::to_string(kMaxPerSender) + " agents"};
    }
    if (agents_.size() >= kMaxAgents) {
        return Error{"too many prompt agents are registered (at most " +
                     std::to_string(kMaxAgents) + ")"};
    }
    agents_.push_back(agent);
    return {};
}

bool AgentRegistry::remove(const std::string& sender, const std::string& path) {
    return std::erase_if(agents_, [&](const Agent& agent) {
               return agent.sender == sender && agent.path == path;
           }) > 0;
}

std::vector<Agent> AgentRegistry::remove_sender(const std::string& sender) {
    std::vector<Agent> removed;
    std::erase_if(agents_, [&](const Agent& agent) {
        if (agent.sender != sender) {
            return false;
        }
        removed.push_back(agent);
        return true;
    });
    return removed;
}

std::vector<Agent> AgentRegistry::eligible(std::optional<std::uint32_t> uid) const {
    std::vector<Agent> found;
    for (const auto& agent : agents_) {
        if (agent.uid == 0 || (uid && agent.uid == *uid)) {
            found.push_back(agent);
        }
    }
    return found;
}

}  // namespace sluice

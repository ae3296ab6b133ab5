#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/base/result.hpp"

namespace sluice {

// A registered prompt agent: the object `path` served by bus client `sender`, on behalf of
// user `uid` (the uid the bus reports for the sender, never one the client claims).
struct Agent {
    std::string sender;
    std::string path;
    std::uint32_t uid = 0;
    friend bool operator==(const Agent&, const Agent&) = default;
};

// Who may be asked about which connections (spec/dbus.md): an agent answers for connections
// of its own uid; root's agents for everyone's. Bounded: kMaxAgents in all, kMaxPerSender per
// client. Bus thread only; pure bookkeeping (the D-Bus calls live in BusPromptAgents).
class AgentRegistry {
  public:
    static constexpr std::size_t kMaxAgents = 64;
    static constexpr std::size_t kMaxPerSender = 4;

    // Registering the same sender and path again is not an error and changes nothing.
    Result<void> add(const Agent& agent);
    // False when that sender has no agent at `path`.
    bool remove(const std::string& sender, const std::string& path);
    // The client left the bus: its agents, now removed.
    std::vector<Agent> remove_sender(const std::string& sender);
    // Agents that may answer for a connection owned by `uid` (unknown uid: root's only), in
    // registration order.
    [[nodiscard]] std::vector<Agent> eligible(std::optional<std::uint32_t> uid) const;
    [[nodiscard]] std::size_t size() const { return agents_.size(); }
    [[nodiscard]] const std::vector<Agent>& agents() const { return agents_; }

  private:
    std::vector<Agent> agents_;
};

}  // namespace sluice

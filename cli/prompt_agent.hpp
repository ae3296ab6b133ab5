#pragma once

#include <functional>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "cli/bus_value.hpp"
#include "cli/prompt_session.hpp"
#include "prompt_agent1_adaptor.h"

namespace sluice::cli {

inline constexpr const char* kPromptAgentPath = "/org/sluice/PromptAgent1/sluicectl";

// org.sluice.PromptAgent1 served at kPromptAgentPath for `sluicectl prompt`. RequestDecision
// is an asynchronous method (the reply waits for the person at the terminal, while Cancel and
// further requests keep arriving); it hands each request to the PromptSession. Only calls
// from the current owner of org.sluice.Firewall1 are accepted, so another process on the bus
// cannot make the terminal show fake connections. Runs on the thread driving `bus`.
class PromptAgent final : public sdbus::AdaptorInterfaces<org::sluice::PromptAgent1_adaptor> {
  public:
    // `daemon_owner` returns the unique bus name currently owning org.sluice.Firewall1.
    PromptAgent(sdbus::IConnection& bus, PromptSession& session,
                std::function<std::string()> daemon_owner);
    ~PromptAgent();
    PromptAgent(const PromptAgent&) = delete;
    PromptAgent& operator=(const PromptAgent&) = delete;
    PromptAgent(PromptAgent&&) = delete;
    PromptAgent& operator=(PromptAgent&&) = delete;

  private:
    void RequestDecision(sdbus::Result<VariantDict>&& result, std::string prompt_id,
                         VariantDict connection) override;
    void Cancel(const std::string& prompt_id) override;
    [[nodiscard]] bool from_daemon() const;

    PromptSession& session_;
    std::function<std::string()> daemon_owner_;
};

// The decision dictionary RequestDecision returns.
VariantDict decision_dict(const Decision& decision);

}  // namespace sluice::cli

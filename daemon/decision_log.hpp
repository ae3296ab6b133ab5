#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "daemon/verdict_pipeline.hpp"

namespace sluice {

// Prints one line per decision ("allow out tcp 10.0.0.1:40000 -> 10.0.0.2:80 uid=0 pid=812
// exe=/usr/bin/curl rule=web (rule)"): at info for fresh decisions, debug for ones answered
// from the flow cache, which would otherwise repeat every retransmission.
class DecisionLog final : public DecisionListener {
  public:
    explicit DecisionLog(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}
    void on_decision(const DecisionRecord& record) override;

  private:
    std::shared_ptr<spdlog::logger> logger_;
};

std::string_view to_string(MarkDecision decision);

}  // namespace sluice

#include "cli/prompt_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <string>

#include "cli/bus_loop.hpp"
#include "cli/daemon_presence.hpp"
#include "cli/firewall_client.hpp"
#include "cli/prompt_agent.hpp"
#include "cli/prompt_session.hpp"

namespace sluice::cli {

namespace {

constexpr std::size_t kMaxLineBytes = 4096;
constexpr std::size_t kReadBytes = 1024;

// Splits terminal input into lines. A line longer than kMaxLineBytes is dropped whole: no
// valid answer is that long, and the buffer must not grow without bound.
class LineReader {
  public:
    // Reads what is available on `fd`; false at end of input or on a read error.
    template <typename OnLine>
    bool read_from(int fd, OnLine on_line) {
        char chunk[kReadBytes];
        const ssize_t count = read(fd, chunk, sizeof(chunk));
        if (count < 0) {
            return errno == EINTR;
        }
        if (count == 0) {
            return false;
        }
        for (ssize_t i = 0; i < count; ++i) {
            if (chunk[i] == '\n') {
                if (!overflowed_) {
                    on_line(pending_);
                }
                pending_.clear();
                overflowed_ = false;
            } else if (pending_.size() < kMaxLineBytes) {
                pending_ += chunk[i];
            } else {
                overflowed_ = true;
            }
        }
        return true;
    }

  private:
    std::string pending_;
    bool overflowed_ = false;
};

Result<PromptSession::MatchWidth> match_width(const Invocation& invocation) {
    PromptSession::MatchWidth width;
    if (const auto host = invocation.value("match-host")) {
        if (*host != "exact" && *host != "domain" && *host != "any") {
            return Error{"--match-host must be exact, domain or any, not '" + *host + "'"};
        }
        width.host = *host;
    }
    width.port = !invocation.has("any-port");
    width.user = !invocation.has("any-user");
    return width;
}

}  // namespace

int run_prompt(const CommandContext& context) {
    auto width = match_width(context.invocation);
    if (!width) {
        return context.fail({kExitError, width.error().message()});
    }
    sdbus::IConnection& bus = *context.bus;
    auto loop = BusLoop::create(bus);
    if (!loop) {
        return context.fail({kExitError, loop.error().message()});
    }
    DaemonPresence presence(bus);
    PromptSession session(context.out, *width);
    PromptAgent agent(bus, session, [&presence] { return presence.owner(); });
    FirewallClient firewall(bus);
    const sdbus::ObjectPath agent_path(kPromptAgentPath);
    firewall.RegisterAgent(agent_path);
    presence.on_change = [&](const std::string& owner) {
        if (owner.empty()) {
            session.withdraw_all("sluiced left the bus");
            context.out << "\nsluiced left the bus; waiting for it to come back.\n" << std::flush;
            return;
        }
        try {
            firewall.RegisterAgent(agent_path);
            context.out << "sluiced is back; answering its prompts again.\n" << std::flush;
        } catch (const sdbus::Error& error) {
            const auto failure =
                describe_bus_error(error.getName(), error.getMessage(), context.bus_target);
            context.err << "sluicectl: cannot register with the restarted sluiced: "
                        << failure.message << std::endl;
        }
    };
    context.out << "Answering prompts from sluiced on " << context.bus_target.description()
                << ".\nWaiting for connections to decide (Ctrl-C to stop).\n"
                << std::flush;

    // stdin stays blocking (its file description is shared with the shell); read() only runs
    // after poll() reported input.
    LineReader lines;
    loop->watch_input(STDIN_FILENO, [&] {
        const bool open = lines.read_from(
            STDIN_FILENO, [&session](const std::string& line) { session.input_line(line); });
        if (!open) {
            loop->stop();
        }
    });
    const auto ran = loop->run();
    session.withdraw_all("the terminal prompt agent stopped");
    if (presence.running()) {
        try {
            firewall.UnregisterAgent(agent_path);
        } catch (const sdbus::Error&) {
            // Leaving anyway: sluiced also drops agents whose bus name disappears.
        }
    }
    context.out << '\n';
    if (!ran) {
        return context.fail({kExitError, ran.error().message()});
    }
    return kExitOk;
}

}  // namespace sluice::cli

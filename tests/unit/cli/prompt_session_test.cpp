#include "cli/prompt_session.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace sluice::cli {
namespace {

// What happened to one request's reply.
struct ReplyLog {
    std::optional<Decision> answer;
    std::vector<std::string> withdrawn;
};

class RecordingReply final : public PendingReply {
  public:
    explicit RecordingReply(ReplyLog& log) : log_(log) {}
    void answer(const Decision& decision) override {
        EXPECT_FALSE(log_.answer.has_value()) << "answered twice";
        log_.answer = decision;
    }
    void withdraw(std::string_view reason) override { log_.withdrawn.emplace_back(reason); }

  private:
    ReplyLog& log_;
};

Object connection_to(const std::string& host) {
    return Object{{"exe", "/usr/bin/curl"},
                  {"pid", std::uint64_t{77}},
                  {"user", "alice"},
                  {"protocol", "tcp"},
                  {"dst", "10.77.0.2"},
                  {"dport", std::uint64_t{80}},
                  {"host", host}};
}

class PromptSessionTest : public ::testing::Test {
  protected:
    // The log outlives the session, which withdraws what is left when it is destroyed.
    ReplyLog& add(const std::string& id, const std::string& host) {
        ReplyLog& log = logs_.emplace_back();
        session_.add(id, connection_to(host), std::make_unique<RecordingReply>(log));
        return log;
    }
    std::string take_output() {
        std::string text = out_.str();
        out_.str("");
        return text;
    }

    std::ostringstream out_;
    std::deque<ReplyLog> logs_;
    PromptSession session_{out_, PromptSession::MatchWidth{}};
};

TEST_F(PromptSessionTest, AllowForeverAnswersWithTheDefaultMatchWidth) {
    ReplyLog& log = add("1", "example.com");
    EXPECT_EQ(take_output(),
              "\nConnection waiting for a decision (prompt 1):\n"
              "  process:     /usr/bin/curl (pid 77)\n"
              "  user:        alice\n"
              "  to:          example.com (10.77.0.2):80 tcp\n"
              "[a]llow, [d]eny or [r]eject? ");
    session_.input_line("a");
    EXPECT_EQ(take_output(),
              "For how long? [o]nce, [p]rocess, [s]ession, [u]ntil restart, [f]orever, or a "
              "duration like 1h: ");
    EXPECT_FALSE(log.answer.has_value());
    session_.input_line("f");
    ASSERT_TRUE(log.answer.has_value());
    EXPECT_EQ(*log.answer, (Decision{"allow", "forever", "", "exact", true, true}));
    EXPECT_EQ(take_output(),
              "Answered: allow, forever.\nWaiting for connections to decide (Ctrl-C to stop).\n");
    EXPECT_EQ(session_.queued(), 0U);
}

TEST_F(PromptSessionTest, BothAnswersMayComeOnOneLineAndWordsWork) {
    ReplyLog& log = add("1", "example.com");
    session_.input_line("  Deny   session ");
    ASSERT_TRUE(log.answer.has_value());
    EXPECT_EQ(log.answer->action, "deny");
    EXPECT_EQ(log.answer->scope, "session");
}

TEST_F(PromptSessionTest, ADurationMakesAnExpiringRule) {
    ReplyLog& log = add("1", "example.com");
    session_.input_line("r 90m");
    ASSERT_TRUE(log.answer.has_value());
    EXPECT_EQ(*log.answer, (Decision{"reject", "forever", "90m", "exact", true, true}));
    EXPECT_NE(take_output().find("Answered: reject for 90m.\n"), std::string::npos);
}

TEST_F(PromptSessionTest, InvalidAnswersAreAskedAgainWithAHint) {
    ReplyLog& log = add("1", "example.com");
    take_output();
    session_.input_line("maybe");
    EXPECT_EQ(take_output(),
              "Please answer a (allow), d (deny) or r (reject).\n[a]llow, [d]eny or [r]eject? ");
    session_.input_line("a tomorrow");
    EXPECT_EQ(take_output(),
              "Please answer o, p, s, u, f, or a duration such as 30m, 1h or 7d.\n"
              "For how long? [o]nce, [p]rocess, [s]ession, [u]ntil restart, [f]orever, or a "
              "duration like 1h: ");
    session_.input_line("");
    EXPECT_FALSE(log.answer.has_value());
    session_.input_line("until-restart");
    ASSERT_TRUE(log.answer.has_value());
    EXPECT_EQ(log.answer->scope, "until-restart");
}

TEST_F(PromptSessionTest, PromptsAreQueuedAndShownOneAtATime) {
    ReplyLog& first = add("1", "one.example");
    ReplyLog& second = add("2", "two.example");
    const std::string shown = take_output();
    EXPECT_NE(shown.find("one.example"), std::string::npos);
    EXPECT_EQ(shown.find("two.example"), std::string::npos);
    session_.input_line("a o");
    EXPECT_EQ(first.answer->scope, "once");
    EXPECT_FALSE(second.answer.has_value());
    const std::string next = take_output();
    EXPECT_NE(next.find("Answered: allow, once.\n\nConnection waiting for a decision (prompt 2):"),
              std::string::npos);
    EXPECT_NE(next.find("two.example"), std::string::npos);
    session_.input_line("d p");
    EXPECT_EQ(second.answer->action, "deny");
    EXPECT_EQ(second.answer->scope, "process");
}

TEST_F(PromptSessionTest, HeaderCountsTheConnectionsStillWaiting) {
    add("1", "one.example");
    add("2", "two.example");
    add("3", "three.example");
    take_output();
    session_.input_line("a o");
    EXPECT_NE(take_output().find("(prompt 2, 1 more waiting):"), std::string::npos);
}

TEST_F(PromptSessionTest, CancelWithdrawsTheShownPromptAndMovesOn) {
    ReplyLog& first = add("1", "one.example");
    ReplyLog& second = add("2", "two.example");
    session_.input_line("a");  // half answered
    take_output();
    session_.cancel("1");
    EXPECT_FALSE(first.answer.has_value());
    EXPECT_EQ(first.withdrawn, (std::vector<std::string>{"cancelled"}));
    const std::string shown = take_output();
    EXPECT_EQ(shown.rfind("\nprompt 1 withdrawn: it timed out or was answered elsewhere\n", 0), 0U)
        << shown;
    EXPECT_NE(shown.find("two.example"), std::string::npos);
    // The half-given answer belonged to the withdrawn prompt; the new one starts over.
    session_.input_line("f");
    EXPECT_FALSE(second.answer.has_value());
    session_.input_line("a f");
    EXPECT_EQ(second.answer->action, "allow");
}

TEST_F(PromptSessionTest, CancelOfAQueuedPromptRemovesItQuietly) {
    ReplyLog& first = add("1", "one.example");
    ReplyLog& second = add("2", "two.example");
    take_output();
    session_.cancel("2");
    session_.cancel("unknown");
    EXPECT_EQ(take_output(), "");
    EXPECT_EQ(second.withdrawn.size(), 1U);
    session_.input_line("a f");
    EXPECT_TRUE(first.answer.has_value());
    EXPECT_EQ(take_output(),
              "Answered: allow, forever.\nWaiting for connections to decide (Ctrl-C to stop).\n");
}

TEST_F(PromptSessionTest, ARepeatedPromptIdReplacesTheOlderRequest) {
    ReplyLog& older = add("1", "one.example");
    ReplyLog& newer = add("1", "one.example");
    EXPECT_EQ(older.withdrawn.size(), 1U);
    EXPECT_EQ(session_.queued(), 1U);
    session_.input_line("a o");
    EXPECT_FALSE(older.answer.has_value());
    EXPECT_TRUE(newer.answer.has_value());
}

TEST_F(PromptSessionTest, TheQueueIsBounded) {
    for (std::size_t i = 0; i <= PromptSession::kMaxQueued; ++i) {
        add(std::to_string(i), "h.example");
    }
    EXPECT_EQ(session_.queued(), PromptSession::kMaxQueued);
    EXPECT_EQ(logs_.back().withdrawn,
              (std::vector<std::string>{"too many prompts are waiting at this terminal"}));
}

TEST_F(PromptSessionTest, WithdrawAllRepliesToEveryWaitingRequest) {
    ReplyLog& first = add("1", "one.example");
    ReplyLog& second = add("2", "two.example");
    session_.withdraw_all("sluiced left the bus");
    EXPECT_EQ(first.withdrawn, (std::vector<std::string>{"sluiced left the bus"}));
    EXPECT_EQ(second.withdrawn, (std::vector<std::string>{"sluiced left the bus"}));
    EXPECT_EQ(session_.queued(), 0U);
}

TEST(PromptSession, MatchWidthOptionsReachTheDecision) {
    std::ostringstream out;
    ReplyLog log;
    {
        PromptSession session(out, PromptSession::MatchWidth{"domain", false, false});
        session.add("1", connection_to("www.example.com"), std::make_unique<RecordingReply>(log));
        session.input_line("a f");
    }
    ASSERT_TRUE(log.answer.has_value());
    EXPECT_EQ(*log.answer, (Decision{"allow", "forever", "", "domain", false, false}));
}

TEST(PromptSession, DestroyingTheSessionWithdrawsWhatIsLeft) {
    std::ostringstream out;
    ReplyLog log;
    {
        PromptSession session(out, PromptSession::MatchWidth{});
        session.add("1", connection_to("x.example"), std::make_unique<RecordingReply>(log));
    }
    EXPECT_EQ(log.withdrawn, (std::vector<std::string>{"the terminal prompt agent stopped"}));
}

}  // namespace
}  // namespace sluice::cli

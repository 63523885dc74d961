//! End to end: `frontdesk chat` as a child process, one full ticket through stdin/stdout, then
//! `frontdesk tickets` reading what it stored, and a second chat session resuming it.

use frontdesk_tests::{frontdesk, run_with_input, stderr, stdout};

#[test]
fn one_full_ticket_through_the_terminal_chat() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
Where is my order?
1
I want to talk to a person
@agent /claim
@agent Hello, I'm checking your order now.
@agent /note customer is a VIP
@agent /close
4
Great service
/quit
";
    let mut cmd = frontdesk(dir.path());
    cmd.arg("chat").arg("--name").arg("Ruta");
    let out = run_with_input(cmd, script);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "stdout:\n{text}\nstderr:\n{}",
        stderr(&out)
    );

    let lines: Vec<&str> = text.lines().collect();
    let pos = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("`{needle}` not in output:\n{text}"))
    };
    // The question is answered from the KB, with the buttons shown as numbers.
    let answer = pos("bot>");
    assert!(text.contains("[1] ✅ Solved"), "{text}");
    // Pressing 1 marks it solved.
    let solved = pos("Glad I could help");
    // Asking for a person opens ticket #1 with a room in the desk.
    let opened = pos("opened ticket #1");
    // The subject is the customer's question, not the request for a person.
    let room = pos("[desk] room opened: #1 · Where is my order?");
    assert!(
        text.contains("@agents New ticket #1"),
        "summary pings the agents:\n{text}"
    );
    // The agent claims and replies; the customer sees both.
    let joined = pos("Agent from our team is now handling ticket #1");
    let reply = pos("Agent (support)> Hello, I'm checking your order now.");
    // The note never reaches the customer.
    assert!(!text.contains("customer is a VIP"), "{text}");
    // Closing sends the survey; 4 stars and a comment are taken.
    let survey = pos("Ticket #1 is now closed");
    assert!(text.contains("[4] ⭐⭐⭐⭐"), "{text}");
    let rated = pos("Thank you for your rating");
    let commented = pos("your comment reached the team");
    assert!(
        answer < solved
            && solved < opened
            && opened <= room + 1
            && room < joined
            && joined < reply
            && reply < survey
            && survey < rated
            && rated < commented,
        "events out of order:\n{text}"
    );

    // What was stored: `frontdesk tickets 1` from the same database.
    let mut cmd = frontdesk(dir.path());
    cmd.args(["tickets", "1"]);
    let out = run_with_input(cmd, "");
    let shown = stdout(&out);
    assert!(out.status.success(), "{shown}\n{}", stderr(&out));
    assert!(shown.contains("status:    closed"), "{shown}");
    assert!(shown.contains("assignee:  Agent"), "{shown}");
    assert!(
        shown.contains("survey:    4/5 — “Great service”"),
        "{shown}"
    );
    assert!(
        shown.contains("Ruta: I want to talk to a person"),
        "{shown}"
    );
    assert!(
        shown.contains("Agent (agent): Hello, I'm checking your order now."),
        "{shown}"
    );
    assert!(
        shown.contains("Agent (internal note): customer is a VIP"),
        "{shown}"
    );
    assert!(shown.contains("first response:"), "{shown}");

    // A second session on the same file: the history is there and the next ticket is #2.
    let mut cmd = frontdesk(dir.path());
    cmd.arg("chat").arg("--name").arg("Ruta");
    let out = run_with_input(cmd, "/human\n/quit\n");
    let text = stdout(&out);
    assert!(
        text.contains("opened ticket #2"),
        "{text}\n{}",
        stderr(&out)
    );
    let mut cmd = frontdesk(dir.path());
    cmd.arg("tickets");
    let list = stdout(&run_with_input(cmd, ""));
    assert!(list.contains("#1") && list.contains("#2"), "{list}");
}

#[test]
fn lithuanian_customer_gets_lithuanian_texts() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = frontdesk(dir.path());
    cmd.arg("chat");
    let out = run_with_input(cmd, "Noriu kalbėti su žmogumi\n/quit\n");
    let text = stdout(&out);
    assert!(
        text.contains("Sukūriau jums užklausą #1"),
        "{text}\n{}",
        stderr(&out)
    );
}

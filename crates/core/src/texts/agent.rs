//! The desk texts (what agents read in a ticket's room), one key at a time in every language.
//!
//! They are said in the desk's language (`desk.lang`), whatever the customer's is. Keys and
//! placeholders are documented on [`Text`]. Command names (`/claim`, ...) and emoji stay as they
//! are in every language: agents type the same commands everywhere.

use super::Text;

/// The built-in desk text of a key in a language; `None` for other keys and languages.
pub(super) fn builtin(lang: &str, text: Text) -> Option<&'static str> {
    use Text::*;
    Some(match (text, lang) {
        // --- Command replies ---
        (AgentHelp, "en") => {
            "Agent commands in a ticket room:\n\
            (plain text) reply to the customer\n\
            /claim · /unclaim — take or release the ticket\n\
            /note <text> — internal note, never sent to the customer\n\
            /snippet <name> — send a canned reply\n\
            /kb <entry-id> — send a knowledge-base answer\n\
            /priority low|normal|high|urgent · /tag <tags>\n\
            /transcript — the conversation so far · /transcript file — as text and HTML files\n\
            /block [reason] · /unblock — stop or resume answering the customer\n\
            /erase — erase the customer's data for good\n\
            /close · /reopen"
        }
        (AgentHelp, "lt") => {
            "Komandos užklausos pokalbyje:\n\
            (paprastas tekstas) atsakymas klientui\n\
            /claim · /unclaim — perimti užklausą arba jos atsisakyti\n\
            /note <tekstas> — vidinė pastaba, klientui ji nesiunčiama\n\
            /snippet <pavadinimas> — išsiųsti paruoštą atsakymą\n\
            /kb <įrašo-id> — išsiųsti atsakymą iš žinių bazės\n\
            /priority low|normal|high|urgent · /tag <žymos>\n\
            /transcript — visas pokalbis iki šiol · /transcript file — kaip teksto ir HTML failai\n\
            /block [priežastis] · /unblock — nebeatsakyti klientui arba vėl atsakyti\n\
            /erase — visam laikui ištrinti kliento duomenis\n\
            /close · /reopen — uždaryti užklausą arba vėl ją atidaryti"
        }
        (AgentHelp, "et") => {
            "Käsud pöördumise vestluses:\n\
            (tavaline tekst) vastus kliendile\n\
            /claim · /unclaim — võta pöördumine enda peale või loobu sellest\n\
            /note <tekst> — sisemine märkus, kliendile seda ei saadeta\n\
            /snippet <nimi> — saada valmisvastus\n\
            /kb <kirje-id> — saada vastus teadmusbaasist\n\
            /priority low|normal|high|urgent · /tag <sildid>\n\
            /transcript — senine vestlus · /transcript file — teksti- ja HTML-failina\n\
            /block [põhjus] · /unblock — lõpeta kliendile vastamine või jätka seda\n\
            /erase — kustuta kliendi andmed jäädavalt\n\
            /close · /reopen — sulge pöördumine või ava see uuesti"
        }

        (UnknownCommand, "en") => "Unknown command `{command}`.",
        (UnknownCommand, "lt") => "Komanda `{command}` nežinoma.",
        (UnknownCommand, "et") => "Tundmatu käsk `{command}`.",

        (Claimed, "en") => "✋ {agent} claimed ticket #{number}.",
        (Claimed, "lt") => "✋ {agent} perėmė užklausą #{number}.",
        (Claimed, "et") => "✋ {agent} võttis pöördumise #{number} enda peale.",

        (ClaimAlreadyYours, "en") => "You already hold ticket #{number}.",
        (ClaimAlreadyYours, "lt") => "Užklausą #{number} jau esate perėmę jūs.",
        (ClaimAlreadyYours, "et") => "Pöördumine #{number} on juba teie käes.",

        (ClaimTaken, "en") => {
            "Ticket #{number} is already claimed by {holder}. Ask them to /unclaim it first."
        }
        (ClaimTaken, "lt") => {
            "Užklausą #{number} jau perėmė {holder}. Paprašykite, kad pirmiausia jos atsisakytų komanda /unclaim."
        }
        (ClaimTaken, "et") => {
            "Pöördumisega #{number} tegeleb juba {holder}. Paluge tal see enne käsuga /unclaim vabastada."
        }

        (ClaimClosed, "en") => "Ticket #{number} is closed; /reopen it first.",
        (ClaimClosed, "lt") => {
            "Užklausa #{number} uždaryta; pirmiausia vėl ją atidarykite komanda /reopen."
        }
        (ClaimClosed, "et") => "Pöördumine #{number} on suletud; avage see enne käsuga /reopen.",

        (Unclaimed, "en") => "{agent} released ticket #{number}.",
        (Unclaimed, "lt") => "{agent} atsisakė užklausos #{number}.",
        (Unclaimed, "et") => "{agent} vabastas pöördumise #{number}.",

        (UnclaimNotYours, "en") => "You do not hold ticket #{number}.",
        (UnclaimNotYours, "lt") => "Užklausos #{number} jūs nesate perėmę.",
        (UnclaimNotYours, "et") => "Pöördumine #{number} ei ole teie käes.",

        (NoteUsage, "en") => "Usage: /note <text> (kept internal).",
        (NoteUsage, "lt") => "Naudojimas: /note <tekstas> (klientas jo nemato).",
        (NoteUsage, "et") => "Kasutus: /note <tekst> (jääb sisemiseks, klient seda ei näe).",

        (ClosedReopenFirst, "en") => "The ticket is closed; /reopen it first.",
        (ClosedReopenFirst, "lt") => {
            "Užklausa uždaryta; pirmiausia vėl ją atidarykite komanda /reopen."
        }
        (ClosedReopenFirst, "et") => "Pöördumine on suletud; avage see enne käsuga /reopen.",

        (NoSnippets, "en") => "No snippets are configured ([snippets] in frontdesk.toml).",
        (NoSnippets, "lt") => {
            "Paruoštų atsakymų nėra – jie nurodomi frontdesk.toml skyriuje [snippets]."
        }
        (NoSnippets, "et") => {
            "Valmisvastuseid pole seadistatud (need käivad faili frontdesk.toml jaotisesse [snippets])."
        }

        (SnippetUsage, "en") => "Usage: /snippet <name>. Snippets: {names}",
        (SnippetUsage, "lt") => "Naudojimas: /snippet <pavadinimas>. Paruošti atsakymai: {names}",
        (SnippetUsage, "et") => "Kasutus: /snippet <nimi>. Valmisvastused: {names}",

        (KbUnknownEntry, "en") => "No knowledge-base entry `{entry}`. Usage: /kb <entry-id>",
        (KbUnknownEntry, "lt") => "Žinių bazėje nėra įrašo `{entry}`. Naudojimas: /kb <įrašo-id>",
        (KbUnknownEntry, "et") => "Teadmusbaasis pole kirjet `{entry}`. Kasutus: /kb <kirje-id>",

        (CloseAlreadyClosed, "en") => "Ticket #{number} is already closed.",
        (CloseAlreadyClosed, "lt") => "Užklausa #{number} jau uždaryta.",
        (CloseAlreadyClosed, "et") => "Pöördumine #{number} on juba suletud.",

        (ClosedByAgent, "en") => {
            "✅ {agent} closed ticket #{number}. The customer was sent the survey."
        }
        (ClosedByAgent, "lt") => {
            "✅ {agent} uždarė užklausą #{number}. Klientui išsiųsta apklausa apie aptarnavimą."
        }
        (ClosedByAgent, "et") => {
            "✅ {agent} sulges pöördumise #{number}. Kliendile saadeti rahuloluküsitlus."
        }

        (ReopenAlreadyOpen, "en") => "Ticket #{number} is open.",
        (ReopenAlreadyOpen, "lt") => "Užklausa #{number} ir taip atidaryta.",
        (ReopenAlreadyOpen, "et") => "Pöördumine #{number} on juba avatud.",

        (ReopenedByAgent, "en") => "↩ {agent} reopened ticket #{number}.",
        (ReopenedByAgent, "lt") => "↩ {agent} vėl atidarė užklausą #{number}.",
        (ReopenedByAgent, "et") => "↩ {agent} avas pöördumise #{number} uuesti.",

        (ReopenedByAgentElsewhere, "en") => {
            "↩ {agent} reopened ticket #{number}. The customer has another ticket open now, so their new messages go there."
        }
        (ReopenedByAgentElsewhere, "lt") => {
            "↩ {agent} vėl atidarė užklausą #{number}. Klientas dabar turi kitą atidarytą užklausą, todėl naujos jo žinutės patenka ten."
        }
        (ReopenedByAgentElsewhere, "et") => {
            "↩ {agent} avas pöördumise #{number} uuesti. Kliendil on praegu avatud teine pöördumine, nii et tema uued sõnumid lähevad sinna."
        }

        (PrioritySet, "en") => "Priority of #{number} set to {priority}.",
        (PrioritySet, "lt") => "Užklausos #{number} prioritetas dabar {priority}.",
        (PrioritySet, "et") => "Pöördumise #{number} prioriteet on nüüd {priority}.",

        (PriorityUsage, "en") => "Usage: /priority low|normal|high|urgent",
        (PriorityUsage, "lt") => {
            "Naudojimas: /priority low|normal|high|urgent (žemas, įprastas, aukštas, skubus)"
        }
        (PriorityUsage, "et") => {
            "Kasutus: /priority low|normal|high|urgent (madal, tavaline, kõrge, kiireloomuline)"
        }

        (TagUsage, "en") => "Usage: /tag <tag> [<tag> ...]",
        (TagUsage, "lt") => "Naudojimas: /tag <žyma> [<žyma> ...]",
        (TagUsage, "et") => "Kasutus: /tag <silt> [<silt> ...]",

        (TagsSet, "en") => "Tags of #{number}: {tags}",
        (TagsSet, "lt") => "Užklausos #{number} žymos: {tags}",
        (TagsSet, "et") => "Pöördumise #{number} sildid: {tags}",

        // --- Transcripts (`/transcript` and the room summary) ---
        (TranscriptHeader, "en") => "Transcript of #{number} ({count} messages):",
        (TranscriptHeader, "lt") => "Užklausos #{number} pokalbis (žinučių: {count}):",
        (TranscriptHeader, "et") => "Pöördumise #{number} vestlus (sõnumeid: {count}):",

        (TranscriptBot, "en") => "Bot",
        (TranscriptBot, "lt") => "Botas",
        (TranscriptBot, "et") => "Vestlusrobot",

        (TranscriptAgent, "en") => "{name} (agent)",
        (TranscriptAgent, "lt") => "{name} (konsultantas)",
        (TranscriptAgent, "et") => "{name} (klienditeenindaja)",

        (TranscriptNote, "en") => "{name} (internal note)",
        (TranscriptNote, "lt") => "{name} (vidinė pastaba)",
        (TranscriptNote, "et") => "{name} (sisemine märkus)",

        (TranscriptCommand, "en") => "{name} (command)",
        (TranscriptCommand, "lt") => "{name} (komanda)",
        (TranscriptCommand, "et") => "{name} (käsk)",

        (TranscriptFiles, "en") => "[files: {files}]",
        (TranscriptFiles, "lt") => "[failai: {files}]",
        (TranscriptFiles, "et") => "[failid: {files}]",

        // --- Transcript files (`/transcript file`, `transcript.on_close`) ---
        (TranscriptFileTitle, "en") => "Transcript of ticket #{number} · {subject}",
        (TranscriptFileTitle, "lt") => "Užklausos #{number} pokalbis · {subject}",
        (TranscriptFileTitle, "et") => "Pöördumise #{number} vestlus · {subject}",

        (TranscriptFileDetails, "en") => {
            "Desk: {desk} · Customer: {customer} ({platform}) · Status: {status} · Opened: {opened} · Closed: {closed} · Agent: {agent} · Priority: {priority} · Tags: {tags}"
        }
        (TranscriptFileDetails, "lt") => {
            "Skyrius: {desk} · Klientas: {customer} ({platform}) · Būsena: {status} · Atidaryta: {opened} · Uždaryta: {closed} · Konsultantas: {agent} · Prioritetas: {priority} · Žymos: {tags}"
        }
        (TranscriptFileDetails, "et") => {
            "Tugi: {desk} · Klient: {customer} ({platform}) · Olek: {status} · Avatud: {opened} · Suletud: {closed} · Klienditeenindaja: {agent} · Prioriteet: {priority} · Sildid: {tags}"
        }

        (TranscriptFileNone, "en") => "none",
        (TranscriptFileNone, "lt") => "nėra",
        (TranscriptFileNone, "et") => "puudub",

        (TranscriptFileInternal, "en") => "internal",
        (TranscriptFileInternal, "lt") => "vidinė",
        (TranscriptFileInternal, "et") => "sisemine",

        (TranscriptFileEmpty, "en") => "No messages.",
        (TranscriptFileEmpty, "lt") => "Žinučių nėra.",
        (TranscriptFileEmpty, "et") => "Sõnumeid pole.",

        (TranscriptFileCaption, "en") => {
            "📎 Transcript of #{number} ({count} messages): plain text and HTML."
        }
        (TranscriptFileCaption, "lt") => {
            "📎 Užklausos #{number} pokalbis (žinučių: {count}): tekstas ir HTML."
        }
        (TranscriptFileCaption, "et") => {
            "📎 Pöördumise #{number} vestlus (sõnumeid: {count}): tekst ja HTML."
        }

        // --- The room summary ---
        (SummaryTitle, "en") => "New ticket #{number} · {subject}",
        (SummaryTitle, "lt") => "Nauja užklausa #{number} · {subject}",
        (SummaryTitle, "et") => "Uus pöördumine #{number} · {subject}",

        (SummaryCustomer, "en") => "Customer: {customer} ({platform}, language {lang})",
        (SummaryCustomer, "lt") => "Klientas: {customer} ({platform}, kalba {lang})",
        (SummaryCustomer, "et") => "Klient: {customer} ({platform}, keel {lang})",

        (SummaryPriority, "en") => "Priority: {priority}",
        (SummaryPriority, "lt") => "Prioritetas: {priority}",
        (SummaryPriority, "et") => "Prioriteet: {priority}",

        (SummaryBotTried, "en") => "Bot tried: {tried}",
        (SummaryBotTried, "lt") => "Ką darė botas: {tried}",
        (SummaryBotTried, "et") => "Mida vestlusrobot tegi: {tried}",

        (SummaryConversation, "en") => "Conversation so far:",
        (SummaryConversation, "lt") => "Pokalbis iki šiol:",
        (SummaryConversation, "et") => "Senine vestlus:",

        (SummaryConversationLast, "en") => "Conversation so far (last {shown} of {total}):",
        (SummaryConversationLast, "lt") => "Pokalbis iki šiol (paskutinės {shown} iš {total}):",
        (SummaryConversationLast, "et") => "Senine vestlus (viimased {shown} sõnumit {total}-st):",

        (SummaryFooter, "en") => {
            "Write here to reply to the customer. /claim · /note <text> · /snippet <name> · /kb <entry> · /priority <level> · /tag <tags> · /close · /help"
        }
        (SummaryFooter, "lt") => {
            "Rašykite čia – atsakymas nueis klientui. /claim · /note <tekstas> · /snippet <pavadinimas> · /kb <įrašas> · /priority <lygis> · /tag <žymos> · /close · /help"
        }
        (SummaryFooter, "et") => {
            "Kirjutage siia – vastus läheb kliendile. /claim · /note <tekst> · /snippet <nimi> · /kb <kirje> · /priority <tase> · /tag <sildid> · /close · /help"
        }

        (ButtonClaim, "en") => "Claim",
        (ButtonClaim, "lt") => "Perimti",
        (ButtonClaim, "et") => "Võta enda peale",

        // --- What the bot tried (shown in the summary, kept on the ticket) ---
        (TriedAskedForPerson, "en") => "asked for a person",
        (TriedAskedForPerson, "lt") => "klientas paprašė žmogaus",
        (TriedAskedForPerson, "et") => "klient palus inimest",

        (TriedSlashHuman, "en") => "asked for a person (/human)",
        (TriedSlashHuman, "lt") => "klientas paprašė žmogaus (/human)",
        (TriedSlashHuman, "et") => "klient palus inimest (/human)",

        (TriedAnswerNotHelpful, "en") => {
            "answered with entry `{entry}`; the customer said it did not help"
        }
        (TriedAnswerNotHelpful, "lt") => {
            "atsakė įrašu `{entry}`; klientas pažymėjo, kad tai nepadėjo"
        }
        (TriedAnswerNotHelpful, "et") => "vastas kirjega `{entry}`; kliendi sõnul see ei aidanud",

        (TriedAnswerCustomerSaid, "en") => {
            "answered with entry `{entry}`; the customer said: {said}"
        }
        (TriedAnswerCustomerSaid, "lt") => "atsakė įrašu `{entry}`; klientas parašė: {said}",
        (TriedAnswerCustomerSaid, "et") => "vastas kirjega `{entry}`; klient kirjutas: {said}",

        (TriedUnhelpfulAnswer, "en") => "an answer that did not help",
        (TriedUnhelpfulAnswer, "lt") => "atsakymas, kuris nepadėjo",
        (TriedUnhelpfulAnswer, "et") => "vastus, mis ei aidanud",

        (TriedNoConfidentMatch, "en") => "no confident match (best: `{entry}` at {confidence})",
        (TriedNoConfidentMatch, "lt") => {
            "patikimo atitikmens nerasta (artimiausias: `{entry}`, {confidence})"
        }
        (TriedNoConfidentMatch, "et") => {
            "kindlat vastet ei leitud (lähim: `{entry}`, {confidence})"
        }

        (TriedNoMatch, "en") => "no match in the knowledge base",
        (TriedNoMatch, "lt") => "žinių bazėje nieko panašaus nerasta",
        (TriedNoMatch, "et") => "teadmusbaasist ei leitud midagi sarnast",

        (SubjectFallback, "en") => "Conversation with {customer}",
        (SubjectFallback, "lt") => "Pokalbis su klientu {customer}",
        (SubjectFallback, "et") => "Vestlus kliendiga {customer}",

        // --- Notices in the room ---
        (SurveyRated, "en") => "⭐ Customer rated ticket #{number}: {score}/5",
        (SurveyRated, "lt") => "⭐ Klientas įvertino užklausą #{number}: {score}/5",
        (SurveyRated, "et") => "⭐ Klient hindas pöördumist #{number}: {score}/5",

        (ReopenedByCustomer, "en") => "↩ Ticket #{number} reopened by the customer.",
        (ReopenedByCustomer, "lt") => "↩ Klientas vėl atidarė užklausą #{number}.",
        (ReopenedByCustomer, "et") => "↩ Klient avas pöördumise #{number} uuesti.",

        (ClosedNoteKept, "en") => {
            "Ticket #{number} is closed: your message was kept as a note and not sent. Use /reopen to write to the customer."
        }
        (ClosedNoteKept, "lt") => {
            "Užklausa #{number} uždaryta: jūsų žinutė išsaugota kaip pastaba ir klientui neišsiųsta. Norėdami parašyti klientui, pirmiausia naudokite /reopen."
        }
        (ClosedNoteKept, "et") => {
            "Pöördumine #{number} on suletud: teie sõnum jäeti märkusena alles ja kliendile seda ei saadetud. Kliendile kirjutamiseks kasutage käsku /reopen."
        }

        // --- First-response reminders ---
        (ReminderFirst, "en") => {
            "⏰ Ticket #{number} has waited {waited} min without a reply (target {target} min)."
        }
        (ReminderFirst, "lt") => {
            "⏰ Užklausa #{number} jau {waited} min. laukia atsakymo (tikslas – {target} min.)."
        }
        (ReminderFirst, "et") => {
            "⏰ Pöördumine #{number} on oodanud vastust {waited} min (eesmärk {target} min)."
        }

        (ReminderAgain, "en") => {
            "⏰ Ticket #{number} still has no reply after {waited} min (target {target} min). Can someone take it?"
        }
        (ReminderAgain, "lt") => {
            "⏰ Užklausa #{number} vis dar neatsakyta, nors praėjo {waited} min. (tikslas – {target} min.). Gal kas nors gali ją perimti?"
        }
        (ReminderAgain, "et") => {
            "⏰ Pöördumine #{number} on {waited} min järel ikka vastuseta (eesmärk {target} min). Kas keegi saaks selle enda peale võtta?"
        }

        (ReminderNext, "en") => {
            "⏰ The customer of ticket #{number} has waited at least {waited} min for a reply to their latest message (target {target} min)."
        }
        (ReminderNext, "lt") => {
            "⏰ Užklausos #{number} klientas jau mažiausiai {waited} min. laukia atsakymo į paskutinę žinutę (tikslas – {target} min.)."
        }
        (ReminderNext, "et") => {
            "⏰ Pöördumise #{number} klient on oodanud oma viimasele sõnumile vastust vähemalt {waited} min (eesmärk {target} min)."
        }

        (FollowupSent, "en") => {
            "The customer of ticket #{number} has not written for {hours} h since the last reply; they were sent a reminder."
        }
        (FollowupSent, "lt") => {
            "Užklausos #{number} klientas nerašė {hours} val. nuo paskutinio atsakymo; jam išsiųstas priminimas."
        }
        (FollowupSent, "et") => {
            "Pöördumise #{number} klient pole viimasest vastusest saadik {hours} h kirjutanud; talle saadeti meeldetuletus."
        }

        (ClosedAutomatically, "en") => {
            "Ticket #{number} closed automatically: no reply from the customer for {hours} h. A message from them reopens it."
        }
        (ClosedAutomatically, "lt") => {
            "Užklausa #{number} uždaryta automatiškai: klientas neatsakė {hours} val. Jo žinutė ją vėl atidarys."
        }
        (ClosedAutomatically, "et") => {
            "Pöördumine #{number} suleti automaatselt: klient pole {hours} h vastanud. Tema sõnum avab selle uuesti."
        }

        // --- The dispatcher's notices ---
        (RoomReplaced, "en") => {
            "⚠ The previous room of ticket #{number} was deleted, so this one replaces it. Messages that could not reach the old room follow here."
        }
        (RoomReplaced, "lt") => {
            "⚠ Ankstesnis užklausos #{number} pokalbis buvo ištrintas, todėl jį pakeičia šis. Žinutės, kurios nepasiekė senojo pokalbio, pateikiamos toliau."
        }
        (RoomReplaced, "et") => {
            "⚠ Pöördumise #{number} eelmine vestlus kustutati, nüüd asendab seda see. Sõnumid, mis vanasse vestlusse ei jõudnud, tulevad siia."
        }

        (CustomerUnreachable, "en") => {
            "⚠ The customer of ticket #{number} cannot be reached on {platform} (they blocked the bot, left or deleted the chat). This was not delivered and will not be retried: «{preview}»"
        }
        (CustomerUnreachable, "lt") => {
            "⚠ Užklausos #{number} kliento per {platform} pasiekti nebeįmanoma (jis užblokavo botą, išėjo arba ištrynė pokalbį). Ši žinutė nepristatyta ir daugiau nebus siunčiama: «{preview}»"
        }
        (CustomerUnreachable, "et") => {
            "⚠ Pöördumise #{number} klienti ei saa platvormil {platform} enam kätte (ta blokeeris roboti, lahkus või kustutas vestluse). Seda sõnumit ei edastatud ja uuesti ei proovita: «{preview}»"
        }

        (NotDelivered, "en") => {
            "⚠ A message of ticket #{number} could not be delivered to the customer ({reason}): «{preview}»"
        }
        (NotDelivered, "lt") => {
            "⚠ Užklausos #{number} žinutės nepavyko pristatyti klientui ({reason}): «{preview}»"
        }
        (NotDelivered, "et") => {
            "⚠ Pöördumise #{number} sõnumit ei õnnestunud kliendile edastada ({reason}): «{preview}»"
        }

        (CustomerBlocked, "en") => {
            "🚫 The customer of ticket #{number} blocked the bot: nothing written here reaches them until they unblock it."
        }
        (CustomerBlocked, "lt") => {
            "🚫 Užklausos #{number} klientas užblokavo botą: kol jis neatblokuos, niekas, ką čia parašysite, jo nepasieks."
        }
        (CustomerBlocked, "et") => {
            "🚫 Pöördumise #{number} klient blokeeris roboti: kuni ta blokeeringut ei eemalda, ei jõua siia kirjutatu temani."
        }

        (CustomerUnblocked, "en") => {
            "✅ The customer of ticket #{number} unblocked the bot: replies reach them again."
        }
        (CustomerUnblocked, "lt") => {
            "✅ Užklausos #{number} klientas atblokavo botą: atsakymai vėl jį pasiekia."
        }
        (CustomerUnblocked, "et") => {
            "✅ Pöördumise #{number} klient eemaldas roboti blokeeringu: vastused jõuavad temani jälle."
        }

        (BlockedByAgent, "en") => {
            "⛔ {agent} blocked the customer of ticket #{number}: their messages are recorded, not answered or relayed (reason: {reason}). /unblock lifts it."
        }
        (BlockedByAgent, "lt") => {
            "⛔ {agent} užblokavo užklausos #{number} klientą: jo žinutės įrašomos, bet į jas neatsakoma ir jos neperduodamos (priežastis: {reason}). /unblock atblokuoja."
        }
        (BlockedByAgent, "et") => {
            "⛔ {agent} blokeeris pöördumise #{number} kliendi: tema sõnumid salvestatakse, kuid neile ei vastata ega edastata neid (põhjus: {reason}). /unblock eemaldab blokeeringu."
        }

        (BlockAlready, "en") => "The customer of ticket #{number} is blocked already.",
        (BlockAlready, "lt") => "Užklausos #{number} klientas jau užblokuotas.",
        (BlockAlready, "et") => "Pöördumise #{number} klient on juba blokeeritud.",

        (UnblockedByAgent, "en") => {
            "✅ {agent} unblocked the customer of ticket #{number}: their messages are answered and relayed again."
        }
        (UnblockedByAgent, "lt") => {
            "✅ {agent} atblokavo užklausos #{number} klientą: į jo žinutes vėl atsakoma ir jos perduodamos."
        }
        (UnblockedByAgent, "et") => {
            "✅ {agent} eemaldas pöördumise #{number} kliendi blokeeringu: tema sõnumitele vastatakse ja neid edastatakse jälle."
        }

        (UnblockNotBlocked, "en") => "The customer of ticket #{number} is not blocked.",
        (UnblockNotBlocked, "lt") => "Užklausos #{number} klientas neužblokuotas.",
        (UnblockNotBlocked, "et") => "Pöördumise #{number} klient pole blokeeritud.",

        (ErasedByAgent, "en") => {
            "🗑 {agent} erased the data of the customer of ticket #{number}: name, ids, messages and files are gone; the ticket is closed, its figures stay in the reports."
        }
        (ErasedByAgent, "lt") => {
            "🗑 {agent} ištrynė užklausos #{number} kliento duomenis: vardas, identifikatoriai, žinutės ir failai pašalinti; užklausa uždaryta, jos skaičiai lieka ataskaitose."
        }
        (ErasedByAgent, "et") => {
            "🗑 {agent} kustutas pöördumise #{number} kliendi andmed: nimi, tunnused, sõnumid ja failid on eemaldatud; pöördumine on suletud, selle arvud jäävad aruannetesse."
        }

        (ErasedByCustomer, "en") => {
            "🗑 The customer of ticket #{number} had their data erased at their request: name, ids, messages and files are gone; the ticket is closed."
        }
        (ErasedByCustomer, "lt") => {
            "🗑 Užklausos #{number} klientas paprašė ištrinti savo duomenis: vardas, identifikatoriai, žinutės ir failai pašalinti; užklausa uždaryta."
        }
        (ErasedByCustomer, "et") => {
            "🗑 Pöördumise #{number} klient lasi oma andmed kustutada: nimi, tunnused, sõnumid ja failid on eemaldatud; pöördumine on suletud."
        }

        _ => return None,
    })
}

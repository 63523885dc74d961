//! The customer-facing texts (what the bot says to customers), grouped by language.
//!
//! Keys and placeholders are documented on [`Text`]; the Engine picks the customer's language.

use super::Text;

/// The built-in customer text of a key in a language; `None` for other keys and languages.
pub(super) fn builtin(lang: &str, text: Text) -> Option<&'static str> {
    use Text::*;
    Some(match (lang, text) {
        ("en", Welcome) => {
            "Hi! I'm the support assistant. Ask me anything about orders, delivery, returns, payments or your account. Type /human at any time to talk to a person."
        }
        ("en", ButtonSolved) => "✅ Solved",
        ("en", ButtonHuman) => "🙋 Talk to a person",
        ("en", DidYouMean) => "I'm not sure I understood. Did you mean one of these?",
        ("en", GladToHelp) => "Glad I could help! Write again any time.",
        ("en", NoAnswer) => "I couldn't find an answer to that, so I'm passing you to our team.",
        ("en", TicketOpened) => {
            "I've opened ticket #{number} for you. An agent will reply right here; you can keep writing and they will see everything."
        }
        ("en", TicketStillOpen) => {
            "Your ticket #{number} is open and our team has your messages. An agent will reply here."
        }
        ("en", AgentSays) => "{agent} (support)",
        ("en", AgentJoined) => "{agent} from our team is now handling ticket #{number}.",
        ("en", TicketClosedSurvey) => {
            "Ticket #{number} is now closed. How satisfied are you with the help you got? (1 = very unhappy, 5 = very happy)"
        }
        ("en", SurveyThanks) => {
            "Thank you for your rating! If you'd like to tell us more, write a comment now."
        }
        ("en", SurveyNps) => {
            "One more question: how likely are you to recommend us to a friend or colleague? (0 = not at all likely, 10 = extremely likely)"
        }
        ("en", SurveyCes) => {
            "And how much do you agree: \"It was easy to get my issue handled.\" (1 = strongly disagree, 7 = strongly agree)"
        }
        ("en", ButtonNoComment) => "No comment",
        ("en", CommentThanks) => "Thank you, your comment reached the team.",
        ("en", TicketReopened) => {
            "I've reopened ticket #{number} and passed your message to the team."
        }
        ("en", DescribeInWords) => {
            "Thanks for the file! Please describe your question in words, or tap the button to talk to a person."
        }
        ("en", SlowDown) => {
            "You're writing faster than I can keep up with. Everything you send is saved; please wait a minute before writing again."
        }
        ("en", TicketOpenedAfterHours) => {
            "I've opened ticket #{number} for you. Our team is away right now and back on {back}; an agent will reply right here. You can keep writing and they will see everything."
        }
        ("en", FollowupReminder) => {
            "Just checking in on ticket #{number}: did our last reply help? If you still need anything, write here. If we don't hear from you, the ticket will close on its own."
        }
        ("en", TicketAutoClosedSurvey) => {
            "We haven't heard from you for a while, so ticket #{number} is now closed; write here any time to reopen it. How satisfied are you with the help you got? (1 = very unhappy, 5 = very happy)"
        }
        ("en", HandoffDelayed) => {
            "Your message is saved, but I couldn't reach the team just now. I'll keep trying; you don't need to write again."
        }
        ("en", Blocked) => {
            "The support team has blocked this conversation: your messages are saved, but they are not answered or passed on."
        }
        ("en", ForgetConfirm) => {
            "Do you want us to erase your data? We will delete your name, your messages, the files you sent and the text of your tickets. This cannot be undone."
        }
        ("en", ButtonForget) => "🗑 Yes, erase my data",
        ("en", ButtonKeep) => "Keep my data",
        ("en", Forgotten) => "Your data has been erased. If you write again, we start afresh.",
        ("en", ForgetKept) => "All right, nothing was erased.",

        ("lt", Welcome) => {
            "Sveiki! Esu pagalbos asistentas. Klauskite apie užsakymus, pristatymą, grąžinimą, mokėjimus ar paskyrą. Bet kada parašykite /human ir jums atsakys žmogus."
        }
        ("lt", ButtonSolved) => "✅ Išspręsta",
        ("lt", ButtonHuman) => "🙋 Kalbėti su žmogumi",
        ("lt", DidYouMean) => "Nesu tikras, ar supratau. Galbūt turėjote omenyje vieną iš šių?",
        ("lt", GladToHelp) => "Džiaugiuosi, kad padėjau! Rašykite bet kada.",
        ("lt", NoAnswer) => "Neradau atsakymo į šį klausimą, todėl perduodu jus mūsų komandai.",
        ("lt", TicketOpened) => {
            "Sukūriau jums užklausą #{number}. Konsultantas atsakys čia pat; galite toliau rašyti – jis matys visas žinutes."
        }
        ("lt", TicketStillOpen) => {
            "Jūsų užklausa #{number} atidaryta, mūsų komanda mato jūsų žinutes. Konsultantas atsakys čia."
        }
        ("lt", AgentSays) => "{agent} (pagalba)",
        ("lt", AgentJoined) => "Užklausą #{number} dabar tvarko {agent} iš mūsų komandos.",
        ("lt", TicketClosedSurvey) => {
            "Užklausa #{number} uždaryta. Kaip vertinate gautą pagalbą? (1 – labai nepatenkintas, 5 – labai patenkintas)"
        }
        ("lt", SurveyThanks) => {
            "Ačiū už įvertinimą! Jei norite ką nors pridurti, parašykite komentarą dabar."
        }
        ("lt", SurveyNps) => {
            "Dar vienas klausimas: kaip tikėtina, kad rekomenduotumėte mus draugui ar kolegai? (0 – visai netikėtina, 10 – labai tikėtina)"
        }
        ("lt", SurveyCes) => {
            "Ar sutinkate: „Buvo lengva išspręsti mano klausimą“? (1 – visiškai nesutinku, 7 – visiškai sutinku)"
        }
        ("lt", ButtonNoComment) => "Be komentaro",
        ("lt", CommentThanks) => "Ačiū, jūsų komentaras perduotas komandai.",
        ("lt", TicketReopened) => {
            "Iš naujo atidariau užklausą #{number} ir perdaviau jūsų žinutę komandai."
        }
        ("lt", DescribeInWords) => {
            "Ačiū už failą! Aprašykite savo klausimą žodžiais arba paspauskite mygtuką ir kalbėkite su žmogumi."
        }
        ("lt", SlowDown) => {
            "Rašote greičiau, nei spėju atsakyti. Viskas, ką siunčiate, išsaugoma; prieš rašydami vėl palaukite minutę."
        }
        ("lt", TicketOpenedAfterHours) => {
            "Sukūriau jums užklausą #{number}. Šiuo metu mūsų komanda nedirba, grįš {back}; konsultantas atsakys čia pat. Galite toliau rašyti – jis matys visas žinutes."
        }
        ("lt", FollowupReminder) => {
            "Norime pasiteirauti dėl užklausos #{number}: ar mūsų atsakymas padėjo? Jei dar reikia pagalbos, parašykite čia. Jei neatsakysite, užklausa bus uždaryta automatiškai."
        }
        ("lt", TicketAutoClosedSurvey) => {
            "Kurį laiką negavome jūsų atsakymo, todėl užklausa #{number} uždaryta; parašykite čia bet kada ir ji vėl bus atidaryta. Kaip vertinate gautą pagalbą? (1 – labai nepatenkintas, 5 – labai patenkintas)"
        }
        ("lt", HandoffDelayed) => {
            "Jūsų žinutė išsaugota, bet šiuo metu nepavyko susisiekti su komanda. Bandysiu toliau – rašyti iš naujo nereikia."
        }
        ("lt", Blocked) => {
            "Pagalbos komanda užblokavo šį pokalbį: jūsų žinutės išsaugomos, bet į jas neatsakoma ir jos niekam neperduodamos."
        }
        ("lt", ForgetConfirm) => {
            "Ar norite, kad ištrintume jūsų duomenis? Ištrinsime jūsų vardą, žinutes, atsiųstus failus ir užklausų tekstą. To atšaukti negalima."
        }
        ("lt", ButtonForget) => "🗑 Taip, ištrinkite mano duomenis",
        ("lt", ButtonKeep) => "Palikti duomenis",
        ("lt", Forgotten) => "Jūsų duomenys ištrinti. Jei parašysite vėl, pradėsime iš naujo.",
        ("lt", ForgetKept) => "Gerai, niekas neištrinta.",

        ("et", Welcome) => {
            "Tere! Olen klienditoe abiline. Küsige tellimuste, tarne, tagastamise, maksete või konto kohta. Kirjutage igal ajal /human ja teile vastab inimene."
        }
        ("et", ButtonSolved) => "✅ Lahendatud",
        ("et", ButtonHuman) => "🙋 Räägi inimesega",
        ("et", DidYouMean) => "Ma pole kindel, kas sain aru. Kas mõtlesite ühte neist?",
        ("et", GladToHelp) => "Mul on hea meel, et sain aidata! Kirjutage julgelt uuesti.",
        ("et", NoAnswer) => "Ma ei leidnud sellele vastust, seega suunan teid meie meeskonnale.",
        ("et", TicketOpened) => {
            "Avasin teile pöördumise #{number}. Klienditeenindaja vastab siinsamas; võite edasi kirjutada, ta näeb kõiki sõnumeid."
        }
        ("et", TicketStillOpen) => {
            "Teie pöördumine #{number} on avatud ja meie meeskond näeb teie sõnumeid. Klienditeenindaja vastab siin."
        }
        ("et", AgentSays) => "{agent} (klienditugi)",
        ("et", AgentJoined) => "Pöördumisega #{number} tegeleb nüüd {agent} meie meeskonnast.",
        ("et", TicketClosedSurvey) => {
            "Pöördumine #{number} on suletud. Kui rahul olete saadud abiga? (1 – väga rahulolematu, 5 – väga rahul)"
        }
        ("et", SurveyThanks) => {
            "Aitäh hinnangu eest! Kui soovite midagi lisada, kirjutage kommentaar kohe."
        }
        ("et", SurveyNps) => {
            "Veel üks küsimus: kui tõenäoliselt soovitaksite meid sõbrale või kolleegile? (0 – üldse mitte, 10 – väga tõenäoliselt)"
        }
        ("et", SurveyCes) => {
            "Kuivõrd nõustute: „Minu küsimuse lahendamine oli lihtne.“ (1 – ei nõustu üldse, 7 – nõustun täielikult)"
        }
        ("et", ButtonNoComment) => "Kommentaarita",
        ("et", CommentThanks) => "Aitäh, teie kommentaar jõudis meeskonnani.",
        ("et", TicketReopened) => {
            "Avasin pöördumise #{number} uuesti ja edastasin teie sõnumi meeskonnale."
        }
        ("et", DescribeInWords) => {
            "Aitäh faili eest! Palun kirjeldage oma küsimust sõnadega või vajutage nuppu, et rääkida inimesega."
        }
        ("et", SlowDown) => {
            "Kirjutate kiiremini, kui jõuan vastata. Kõik saadetu salvestatakse; palun oodake enne uuesti kirjutamist minut."
        }
        ("et", TicketOpenedAfterHours) => {
            "Avasin teile pöördumise #{number}. Meie meeskond on praegu eemal ja naaseb {back}; klienditeenindaja vastab siinsamas. Võite edasi kirjutada, ta näeb kõiki sõnumeid."
        }
        ("et", FollowupReminder) => {
            "Uurime pöördumise #{number} kohta: kas meie viimane vastus aitas? Kui vajate veel abi, kirjutage siia. Kui me teilt ei kuule, suletakse pöördumine automaatselt."
        }
        ("et", TicketAutoClosedSurvey) => {
            "Me pole teilt mõnda aega kuulnud, seega on pöördumine #{number} nüüd suletud; kirjutage siia igal ajal, et see uuesti avada. Kui rahul olete saadud abiga? (1 – väga rahulolematu, 5 – väga rahul)"
        }
        ("et", HandoffDelayed) => {
            "Teie sõnum on salvestatud, kuid praegu ei õnnestunud meeskonnaga ühendust saada. Proovin edasi – uuesti kirjutama ei pea."
        }
        ("et", Blocked) => {
            "Klienditugi on selle vestluse blokeerinud: teie sõnumid salvestatakse, kuid neile ei vastata ega edastata neid."
        }
        ("et", ForgetConfirm) => {
            "Kas soovite, et kustutaksime teie andmed? Kustutame teie nime, sõnumid, saadetud failid ja pöördumiste teksti. Seda ei saa tagasi võtta."
        }
        ("et", ButtonForget) => "🗑 Jah, kustutage minu andmed",
        ("et", ButtonKeep) => "Jäta andmed alles",
        ("et", Forgotten) => "Teie andmed on kustutatud. Kui kirjutate uuesti, alustame otsast.",
        ("et", ForgetKept) => "Hästi, midagi ei kustutatud.",
        _ => return None,
    })
}

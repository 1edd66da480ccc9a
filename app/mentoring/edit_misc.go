package mentoring

import (
	"time"
)

// AddWin records an accomplishment.
func AddWin(p *Pair, by, text, date string, now time.Time) (Edit, error) {
	text, err := checkTitle("a win", text)
	if err != nil {
		return Edit{}, err
	}
	if date == "" {
		date = now.Format(DateLayout)
	}
	if err := checkDate("the win's date", date); err != nil {
		return Edit{}, err
	}
	id := NewID()
	wp := path(kWins, id)
	o := ops{newMap(wp), set(append(wp, kText), text), set(append(wp, kDate), date), set(append(wp, kBy), by), set(append(wp, kAdded), stamp(now))}
	return Edit{Msg: "celebrated a win: " + quote(text), ID: id, ops: o}, nil
}

// SendMessage adds a short message for the partner.
func SendMessage(p *Pair, by, text string, now time.Time) (Edit, error) {
	text = trim(text)
	if text == "" {
		return Edit{}, invalidf("the message is empty: type something to send")
	}
	if err := checkText("the message", text); err != nil {
		return Edit{}, err
	}
	if p.hasLog {
		return Edit{Msg: "sent a message", ops: ops{appendMessage(by, stamp(now), text)}}, nil
	}
	id := NewID()
	mp := path(kMessages, id)
	o := ops{newMap(mp), set(append(mp, kText), text), set(append(mp, kBy), by), set(append(mp, kAt), stamp(now))}
	return Edit{Msg: "sent a message", ID: id, ops: o}, nil
}

// AnswerPrompt records member's answer to a conversation prompt. Each
// member's answer has its own key, so both can answer at once.
func AnswerPrompt(p *Pair, member, prompt, text string, now time.Time) (Edit, error) {
	if _, ok := PromptByID(prompt); !ok {
		return Edit{}, invalidf("%q is not one of Pairwise's conversation prompts", prompt)
	}
	if err := checkText("the answer", text); err != nil {
		return Edit{}, err
	}
	key := prompt + "." + member
	ap := path(kPrompts, key)
	o := ops{newMap(ap), set(append(ap, kPrompt), prompt), set(append(ap, kMember), member), set(append(ap, kText), trim(text)), set(append(ap, kAt), stamp(now))}
	return Edit{Msg: "answered a conversation prompt", ID: key, ops: o}, nil
}

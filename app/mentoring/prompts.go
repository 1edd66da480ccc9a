package mentoring

import (
	"time"
)

// Depth is how personal a conversation prompt is. Trust grows in steps:
// pairs start with who they are, move to how they work and what they value,
// and only later talk about what they are reaching for.
type Depth int

// Prompt depths.
const (
	GettingToKnow Depth = 1 // who we are
	Values        Depth = 2 // values and working style
	Aspirations   Depth = 3 // aspirations and calling
)

func (d Depth) String() string {
	switch d {
	case GettingToKnow:
		return "Getting to know each other"
	case Values:
		return "Values and working style"
	case Aspirations:
		return "Aspirations and calling"
	}
	return "Unknown depth"
}

// Prompt is one conversation starter. Its ID is stored with answers, so IDs
// never change meaning.
type Prompt struct {
	ID    string
	Depth Depth
	Text  string
}

// Prompts are Pairwise's conversation starters, three depths of five.
var Prompts = []Prompt{
	{"know-path", GettingToKnow, "What path led you to the work you do now, and what surprised you along the way?"},
	{"know-week", GettingToKnow, "What does a good week look like for you, outside work as well as in it?"},
	{"know-place", GettingToKnow, "Where are you working from, and what about that place shapes how you work?"},
	{"know-learn", GettingToKnow, "How do you like to learn something new: reading, trying, watching or talking it through?"},
	{"know-hope", GettingToKnow, "What made you say yes to this mentoring relationship, and what would make it worth your time?"},

	{"values-proud", Values, "Tell me about a piece of work you are proud of. What made it matter to you?"},
	{"values-energy", Values, "Which parts of your work give you energy, and which drain it?"},
	{"values-feedback", Values, "How do you prefer to receive hard feedback, and how do you know it landed well?"},
	{"values-line", Values, "Where do you draw lines at work that you would not cross, and where did they come from?"},
	{"values-conflict", Values, "Think of a disagreement at work that went well. What did each side do?"},

	{"calling-five", Aspirations, "If the next five years went very well, what would you be doing, and with whom?"},
	{"calling-legacy", Aspirations, "What would you like people you work with to say you made possible for them?"},
	{"calling-fear", Aspirations, "What would you attempt if you were sure you could not fail, and what stops you now?"},
	{"calling-change", Aspirations, "What in your field or community do you most want to change?"},
	{"calling-mentor", Aspirations, "What would you want to pass on if you mentored someone yourself one day?"},
}

// PromptByID finds a prompt in the catalogue.
func PromptByID(id string) (Prompt, bool) {
	for _, p := range Prompts {
		if p.ID == id {
			return p, true
		}
	}
	return Prompt{}, false
}

// SuggestedDepth is the depth a pair is ready for: the next one opens after
// enough time together and enough check-ins, or once both of them answered
// most prompts of the depth before.
func SuggestedDepth(p *Pair, today time.Time) Depth {
	weeks := int(today.Sub(p.Created).Hours() / (24 * 7))
	checkins := len(p.Checkins)
	d := GettingToKnow
	if (weeks >= 4 && checkins >= 2) || answeredBoth(p, GettingToKnow) >= 3 {
		d = Values
	}
	if d == Values && ((weeks >= 12 && checkins >= 5) || answeredBoth(p, Values) >= 3) {
		d = Aspirations
	}
	return d
}

// answeredBoth counts prompts of a depth that every member has answered.
func answeredBoth(p *Pair, d Depth) int {
	n := 0
	for _, pr := range Prompts {
		if pr.Depth != d || len(p.Members) == 0 {
			continue
		}
		all := true
		for _, m := range p.Members {
			if _, ok := p.AnswerOf(pr.ID, m.ID); !ok {
				all = false
			}
		}
		if all {
			n++
		}
	}
	return n
}

// AnswerOf returns a member's answer to a prompt.
func (p *Pair) AnswerOf(prompt, member string) (Answer, bool) {
	for _, a := range p.Prompts {
		if a.Prompt == prompt && a.Member == member {
			return a, true
		}
	}
	return Answer{}, false
}

// NextPrompt suggests a prompt of the suggested depth that the pair has not
// both answered yet, or false when they have answered everything.
func NextPrompt(p *Pair, today time.Time) (Prompt, bool) {
	want := SuggestedDepth(p, today)
	for d := want; d >= GettingToKnow; d-- {
		for _, pr := range Prompts {
			if pr.Depth != d {
				continue
			}
			for _, m := range p.Members {
				if _, ok := p.AnswerOf(pr.ID, m.ID); !ok {
					return pr, true
				}
			}
		}
	}
	return Prompt{}, false
}

// RASA is the listening habit offered beside check-in notes.
var RASA = []struct{ Step, Hint string }{
	{"Receive", "Give your full attention; let them finish before you think of your answer."},
	{"Appreciate", "Show you are following: a nod, a \"go on\", a short \"that makes sense\"."},
	{"Summarise", "Say back what you heard in a sentence, so they can correct it."},
	{"Ask", "Ask one open question that helps them think further, not one that steers."},
}

package mentoring

import "pairwise/app/crdt"

// The document's shape. Every container (map or text) is created by exactly
// one replica, at a key nobody else writes: the creator of the pair makes
// the top level and the agreement; whoever adds a goal or check-in makes its
// inner maps and texts; a member's own signature and feedback live under
// their member ID. Two replicas creating the same container concurrently
// would conflict and one side's contents would be hidden, so nothing here is
// ever created lazily.
const (
	kSchema      = "schema"
	kID          = "id"
	kTitle       = "title"
	kCreated     = "created"
	kMembers     = "members"
	kAgreement   = "agreement"
	kGoals       = "goals"
	kCheckins    = "checkins"
	kWins        = "wins"
	kMessages    = "messages"
	kMessageLog  = "messageLog" // a list: see messagelog.go
	kPrompts     = "prompts"
	kReflections = "reflections"
	kClosedAt    = "closedAt"
	kClosedBy    = "closedBy"
	kCohort      = "cohort" // a scalar: the cohort's ID, or absent

	// agreement
	kCadence         = "cadenceDays"
	kChanPurpose     = "channelPurpose"
	kChanResponse    = "channelResponseHours"
	kAvailability    = "availability"
	kBoundaries      = "boundaries"
	kConfidentiality = "confidentiality"
	kExpectations    = "expectations"
	kStart           = "start"
	kEnd             = "end"
	kReview          = "review"
	kSignatures      = "signatures"
	kTimeZones       = "timeZones"
	kHours           = "hours"

	// shared by several records
	kName       = "name"
	kRole       = "role"
	kJoined     = "joined"
	kText       = "text"
	kDate       = "date"
	kBy         = "by"
	kAt         = "at"
	kAdded      = "added"
	kDue        = "due"
	kDone       = "done"
	kRemoved    = "removed"
	kVersion    = "version"
	kWhy        = "why"
	kMeasure    = "measure"
	kObstacles  = "obstacles"
	kStatus     = "status"
	kTarget     = "target"
	kMilestones = "milestones"
	kChannel    = "channel"
	kMinutes    = "minutes"
	kAgenda     = "agenda"
	kNotes      = "notes"
	kActions    = "actions"
	kOwner      = "owner"
	kFeedback   = "feedback"
	kRating     = "rating"
	kComment    = "comment"
	kPrompt     = "prompt"
	kMember     = "member"
	kKind       = "kind"
)

// SchemaVersion is the newest schema this version understands. Every
// document says which it was made with; a replica refuses to read or edit
// a document whose schema is newer.
const SchemaVersion = 2

// The schemas documents are made with. Schema 2 added the pair's message
// log; a cohort's documents did not change, so older versions still read
// them.
const (
	pairSchema   = 2
	cohortSchema = 1
)

var agreementTexts = []string{kAvailability, kBoundaries, kConfidentiality, kExpectations}

func path(keys ...string) crdt.Path { return crdt.P(keys...) }

package seal

// sentenceError is an error whose text is a complete sentence for a person,
// and which still matches one of the package's sentinels with errors.Is.
// Wrapping with fmt.Errorf("%w ...") would glue the sentinel's own text in
// front of the specific sentence and read badly.
type sentenceError struct {
	msg  string
	kind error
}

func (e *sentenceError) Error() string { return e.msg }
func (e *sentenceError) Unwrap() error { return e.kind }

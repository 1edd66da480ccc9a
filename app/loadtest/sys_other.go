//go:build !linux

package main

import "errors"

func raiseFileLimit() (uint64, error) { return 0, errors.New("not supported on this system") }

func pinSelf(int) error { return errors.New("CPU pinning needs Linux") }

func spreadSelf(int) (func() error, error) { return nil, errors.New("SCHED_IDLE needs Linux") }

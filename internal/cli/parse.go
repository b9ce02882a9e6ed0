package cli

import (
	"fmt"
	"strings"
)

// Parse reads args (without the program name). It returns ErrHelp,
// ErrVersion or a *UsageError when the tool should not run; pass those to
// Handle.
func (p *Parser) Parse(args []string) (*Result, error) {
	if len(args) == 0 && p.Style == JoptSimple {
		return nil, ErrHelp
	}
	r := &Result{values: map[string][]string{}, seen: map[string]bool{}, parser: p}
	s := &scan{p: p, r: r, args: args}
	for s.i < len(args) {
		if err := s.next(); err != nil {
			return nil, err
		}
	}
	if r.seen["help"] {
		return nil, ErrHelp
	}
	if r.seen["version"] {
		return nil, ErrVersion
	}
	return r, p.checkRequired(r)
}

// scan walks the arguments; i is the next one to read.
type scan struct {
	p    *Parser
	r    *Result
	args []string
	i    int
	done bool // "--" seen: the rest are plain arguments
}

func (s *scan) next() error {
	arg := s.args[s.i]
	s.i++
	switch {
	case s.done || !looksLikeOption(arg):
		s.r.Args = append(s.r.Args, arg)
		return nil
	case arg == "--":
		s.done = true
		return nil
	case arg == "-h" && s.p.Style == Argparse:
		s.r.seen["help"] = true
		return nil
	}
	name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	if !strings.HasPrefix(arg, "--") && s.p.Style == Argparse && (len(name) != 1 || s.p.byName[name] == nil) {
		// argparse's short options are single letters (-t, -c); they
		// are declared as one-letter aliases.
		return &UsageError{Message: fmt.Sprintf("unrecognized arguments: '%s'", arg)}
	}
	o, err := s.p.lookup(name)
	if err != nil {
		return err
	}
	s.r.seen[o.Name] = true
	if hasValue {
		return s.inline(o, value)
	}
	return s.values(o)
}

// inline handles --opt=value.
func (s *scan) inline(o *Option, value string) error {
	if o.Kind == Flag {
		if s.p.Style == Argparse {
			return &UsageError{Message: fmt.Sprintf("argument --%s: ignored explicit argument '%s'", o.Name, value)}
		}
		return &UsageError{Message: fmt.Sprintf("Option %s does not take an argument", o.Name)}
	}
	if err := s.add(o, value); err != nil {
		return err
	}
	if o.Kind == Multi {
		return s.more(o)
	}
	return nil
}

// values reads the values that follow an option.
func (s *scan) values(o *Option) error {
	switch o.Kind {
	case Flag:
		return nil
	case Optional:
		if s.i < len(s.args) && !looksLikeOption(s.args[s.i]) {
			s.i++
			return s.add(o, s.args[s.i-1])
		}
		return nil
	}
	if s.i >= len(s.args) || (s.p.Style == Argparse && looksLikeOption(s.args[s.i])) {
		return s.missingValue(o)
	}
	s.i++
	if err := s.add(o, s.args[s.i-1]); err != nil {
		return err
	}
	if o.Kind == Multi {
		return s.more(o)
	}
	return nil
}

// more takes further values of a Multi option up to the next option.
func (s *scan) more(o *Option) error {
	for s.i < len(s.args) && !looksLikeOption(s.args[s.i]) && s.args[s.i] != "--" {
		s.i++
		if err := s.add(o, s.args[s.i-1]); err != nil {
			return err
		}
	}
	return nil
}

func (s *scan) missingValue(o *Option) error {
	if s.p.Style != Argparse {
		return &UsageError{Message: fmt.Sprintf("Option %s requires an argument", o.Name)}
	}
	if o.Kind == Multi {
		return &UsageError{Message: fmt.Sprintf("argument --%s: expected at least one argument", o.Name)}
	}
	return &UsageError{Message: fmt.Sprintf("argument --%s: expected one argument", o.Name)}
}

// add type-checks and records one value.
func (s *scan) add(o *Option, v string) error {
	if !o.Type.check(v) {
		if s.p.Style == Argparse {
			return &UsageError{Message: fmt.Sprintf("argument --%s: could not convert '%s' to %s", o.Name, v, o.Type.javaName())}
		}
		return &UsageError{Message: fmt.Sprintf("Cannot parse argument '%s' of option %s", v, o.Name)}
	}
	s.r.values[o.Name] = append(s.r.values[o.Name], v)
	return nil
}

func (p *Parser) checkRequired(r *Result) error {
	for _, o := range p.options {
		if !o.Required || r.seen[o.Name] {
			continue
		}
		if p.Style == Argparse {
			return &UsageError{Message: fmt.Sprintf("argument --%s is required", o.Name)}
		}
		return &UsageError{Message: fmt.Sprintf("Missing required argument %q", p.Display(o.Name))}
	}
	return nil
}

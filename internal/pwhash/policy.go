package pwhash

import (
	"fmt"
	"regexp"

	"postfixadmin-scim/internal/fault"
)

// Rule is one entry of PostfixAdmin's $CONF['password_validation']: a new
// password must match Pattern (Go regexp syntax).
type Rule struct {
	Pattern string `yaml:"pattern"`
	Message string `yaml:"message"`
}

// DefaultRules are PostfixAdmin's defaults: at least 5 characters, 3 letters
// and 2 digits.
var DefaultRules = []Rule{
	{Pattern: `.{5}`, Message: "at least 5 characters"},
	{Pattern: `(?i)([a-z].*){3}`, Message: "at least 3 letters"},
	{Pattern: `([0-9].*){2}`, Message: "at least 2 digits"},
}

// Policy checks new passwords as PostfixAdmin's validate_password() does.
type Policy struct {
	rules []*regexp.Regexp
	msgs  []string
}

// NewPolicy compiles rules.
func NewPolicy(rules []Rule) (Policy, error) {
	var p Policy
	for _, r := range rules {
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return Policy{}, fmt.Errorf("password rule %q: %w", r.Pattern, err)
		}
		p.rules, p.msgs = append(p.rules, re), append(p.msgs, r.Message)
	}
	return p, nil
}

// Check returns a fault.Invalid error naming the first rule pw breaks.
func (p Policy) Check(pw string) error {
	for i, re := range p.rules {
		if !re.MatchString(pw) {
			return fault.New(fault.Invalid, "password does not meet PostfixAdmin's password policy: %s", p.msgs[i])
		}
	}
	return nil
}

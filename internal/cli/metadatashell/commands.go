package metadatashell

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// shell is the state of one session: the tree, the working directory and
// the history of an interactive session.
type shell struct {
	root        *node
	cwd         string
	interactive bool
	history     []string
	out         io.Writer
	exit        bool
}

// commandInfo describes a command as Kafka's shell does.
type commandInfo struct {
	name, description string
	shellOnly         bool
	usage             string // argparse4j's usage and arguments for man
}

var commandList = []commandInfo{
	{"cat", "Show the contents of metadata files.", false,
		"usage: cat [-h] targets [targets ...]\n\npositional arguments:\n  targets                The metadata files to display.\n\nnamed arguments:\n  -h, --help             show this help message and exit\n"},
	{"cd", "Set the current working directory.", true,
		"usage: cd [-h] [target]\n\npositional arguments:\n  target                 The directory to change to.\n\nnamed arguments:\n  -h, --help             show this help message and exit\n"},
	{"exit", "Exit the metadata shell.", true,
		"usage: exit [-h]\n\nnamed arguments:\n  -h, --help             show this help message and exit\n"},
	{"find", "Search for nodes in the directory hierarchy.", false,
		"usage: find [-h] [paths [paths ...]]\n\npositional arguments:\n  paths                  The paths to start at.\n\nnamed arguments:\n  -h, --help             show this help message and exit\n"},
	{"help", "Display this help message.", true,
		"usage: help [-h]\n\nnamed arguments:\n  -h, --help             show this help message and exit\n"},
	{"history", "Print command history.", true,
		"usage: history [-h] [numEntriesToShow]\n\npositional arguments:\n  numEntriesToShow       The number of entries to show.\n\nnamed arguments:\n  -h, --help             show this help message and exit\n"},
	{"ls", "List metadata nodes.", false,
		"usage: ls [-h] [targets [targets ...]]\n\npositional arguments:\n  targets                The metadata node paths to list.\n\nnamed arguments:\n  -h, --help             show this help message and exit\n"},
	{"man", "Show the help text for a specific command.", true,
		"usage: man [-h] cmd\n\npositional arguments:\n  cmd                    The command to get help text for.\n\nnamed arguments:\n  -h, --help             show this help message and exit\n"},
	{"pwd", "Print the current working directory.", true,
		"usage: pwd [-h]\n\nnamed arguments:\n  -h, --help             show this help message and exit\n"},
	{"tree", "Show the contents of metadata nodes in a tree structure.", false,
		"usage: tree [-h] targets [targets ...]\n\npositional arguments:\n  targets                The metadata nodes to display.\n\nnamed arguments:\n  -h, --help             show this help message and exit\n"},
}

func (s *shell) available() []commandInfo {
	var out []commandInfo
	for _, c := range commandList {
		if s.interactive || !c.shellOnly {
			out = append(out, c)
		}
	}
	return out
}

// run runs one command line, already split into words; output and
// errors go to the shell's writer, as in Kafka's shell.
func (s *shell) run(words []string) {
	for len(words) > 0 && words[len(words)-1] == "" {
		words = words[:len(words)-1]
	}
	if len(words) == 0 {
		return
	}
	name, args := words[0], words[1:]
	var cmd *commandInfo
	for _, c := range s.available() {
		if c.name == name {
			cmd = &c
			break
		}
	}
	if cmd == nil {
		names := make([]string, 0, len(commandList))
		for _, c := range s.available() {
			names = append(names, "'"+c.name+"'")
		}
		fmt.Fprintf(s.out, "invalid choice: '%s' (choose from %s)\n", name, strings.Join(names, ", "))
		return
	}
	for _, a := range args {
		if a == "-h" || a == "--help" {
			fmt.Fprint(s.out, cmd.usage)
			return
		}
	}
	switch name {
	case "cat":
		s.cat(args)
	case "cd":
		s.cd(args)
	case "exit":
		s.exit = true
	case "find":
		s.find(args)
	case "help":
		s.help()
	case "history":
		s.printHistory(args)
	case "ls":
		s.ls(args)
	case "man":
		s.man(args)
	case "pwd":
		fmt.Fprintln(s.out, s.cwd)
	case "tree":
		s.tree(args)
	}
}

// tooFew is argparse's message for a missing required argument.
func (s *shell) tooFew() { fmt.Fprintln(s.out, "too few arguments") }

// match is one node a path (glob) named.
type match struct {
	path []string // components from the root
	node *node
}

func (m match) last() string {
	if len(m.path) == 0 {
		return "/"
	}
	return m.path[len(m.path)-1]
}

func (m match) absolute() string { return "/" + strings.Join(m.path, "/") }

// resolve finds the nodes a path names, relative to the working
// directory, with Kafka's glob rules: '.' and '..' are resolved first, and
// components may use *, ? and {a,b}.
func (s *shell) resolve(p string) []match {
	full := p
	if !strings.HasPrefix(p, "/") {
		full = s.cwd + "/" + p
	}
	var comps []string
	for _, c := range strings.Split(full, "/") {
		switch c {
		case "", ".":
		case "..":
			if len(comps) > 0 {
				comps = comps[:len(comps)-1]
			}
		default:
			comps = append(comps, c)
		}
	}
	var out []match
	var walk func(i int, n *node, at []string)
	walk = func(i int, n *node, at []string) {
		if i == len(comps) {
			out = append(out, match{append([]string(nil), at...), n})
			return
		}
		if !n.isDir() {
			return
		}
		if !isGlob(comps[i]) {
			if c, ok := n.children[comps[i]]; ok {
				walk(i+1, c, append(at, comps[i]))
			}
			return
		}
		for _, name := range n.names() {
			if globMatch(comps[i], name) {
				walk(i+1, n.children[name], append(at, name))
			}
		}
	}
	walk(0, s.root, nil)
	return out
}

func isGlob(s string) bool { return strings.ContainsAny(s, "*?{[") }

// globMatch matches a component against a glob: {a,b} alternatives are
// expanded, the rest follows path.Match.
func globMatch(glob, name string) bool {
	if i := strings.Index(glob, "{"); i >= 0 {
		if j := strings.Index(glob[i:], "}"); j > 0 {
			for _, alt := range strings.Split(glob[i+1:i+j], ",") {
				if globMatch(glob[:i]+alt+glob[i+j+1:], name) {
					return true
				}
			}
			return false
		}
	}
	ok, err := path.Match(glob, name)
	return err == nil && ok
}

func effective(paths []string) []string {
	var out []string
	for _, p := range paths {
		if p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		out = []string{"."}
	}
	return out
}

func (s *shell) ls(targets []string) {
	var files []string
	type dirEntry struct {
		name     string
		children []string
	}
	var dirs []dirEntry
	for _, t := range effective(targets) {
		ms := s.resolve(t)
		if len(ms) == 0 {
			fmt.Fprintf(s.out, "ls: %s: no such file or directory.\n", t)
		}
		for _, m := range ms {
			if m.node.isDir() {
				dirs = append(dirs, dirEntry{m.last(), m.node.names()})
			} else {
				files = append(files, m.last())
			}
		}
	}
	// One entry per line, as Kafka's shell prints when it has no
	// terminal width.
	for _, f := range files {
		fmt.Fprintln(s.out, f)
	}
	needIntro := len(files) > 0 || len(dirs) > 1
	first := len(files) == 0
	for _, d := range dirs {
		if len(d.children) == 0 {
			continue
		}
		if needIntro {
			if !first {
				fmt.Fprintln(s.out)
			}
			fmt.Fprintf(s.out, "%s:\n", d.name)
			first = false
		}
		for _, c := range d.children {
			fmt.Fprintln(s.out, c)
		}
	}
}

func (s *shell) cat(targets []string) {
	if len(targets) == 0 {
		s.tooFew()
		return
	}
	for _, t := range targets {
		ms := s.resolve(t)
		if len(ms) == 0 {
			fmt.Fprintf(s.out, "cat: %s: No such file or directory.\n", t)
		}
		for _, m := range ms {
			if m.node.isDir() {
				fmt.Fprintf(s.out, "cat: %s: Is a directory\n", t)
			} else {
				fmt.Fprintln(s.out, m.node.text)
			}
		}
	}
}

func (s *shell) tree(targets []string) {
	if len(targets) == 0 {
		s.tooFew()
		return
	}
	for _, t := range targets {
		ms := s.resolve(t)
		if len(ms) == 0 {
			fmt.Fprintf(s.out, "tree: %s: No such file or directory.\n", t)
		}
		for _, m := range ms {
			s.printNode(m.node, 0)
		}
	}
}

// printNode is Kafka's ShellNodePrinter: a directory prints its children
// sorted, "name:" then the child indented by two spaces.
func (s *shell) printNode(n *node, depth int) {
	indent := strings.Repeat("  ", depth)
	if !n.isDir() {
		fmt.Fprintf(s.out, "%s%s\n", indent, n.text)
		return
	}
	for _, name := range n.names() {
		fmt.Fprintf(s.out, "%s%s:\n", indent, name)
		s.printNode(n.children[name], depth+1)
	}
}

func (s *shell) find(paths []string) {
	for _, p := range effective(paths) {
		ms := s.resolve(p)
		if len(ms) == 0 {
			fmt.Fprintf(s.out, "find: %s: no such file or directory.\n", p)
		}
		for _, m := range ms {
			s.findFrom(p, m.node)
		}
	}
}

func (s *shell) findFrom(p string, n *node) {
	fmt.Fprintln(s.out, p)
	if !n.isDir() {
		return
	}
	for _, name := range n.names() {
		next := p + "/" + name
		if p == "/" {
			next = p + name
		}
		s.findFrom(next, n.children[name])
	}
}

func (s *shell) cd(args []string) {
	target := "/"
	if len(args) > 0 {
		target = args[0]
	}
	if len(args) > 1 {
		fmt.Fprintf(s.out, "unrecognized arguments: '%s'\n", strings.Join(args[1:], " "))
		return
	}
	ms := s.resolve(target)
	switch {
	case len(ms) == 0:
		fmt.Fprintf(s.out, "cd: %s: no such directory.\n", target)
	case !ms[0].node.isDir():
		fmt.Fprintf(s.out, "cd: %s: not a directory.\n", target)
	default:
		s.cwd = ms[0].absolute()
	}
}

func (s *shell) help() {
	fmt.Fprint(s.out, "Welcome to the Apache Kafka metadata shell.\n\n")
	names := make([]string, len(commandList))
	for i, c := range commandList {
		names[i] = c.name
	}
	choices := "{" + strings.Join(names, ",") + "}"
	fmt.Fprintf(s.out, "usage:  [-h] %s ...\n\npositional arguments:\n  %s\n", choices, choices)
	for _, c := range commandList {
		fmt.Fprintf(s.out, "    %-20s %s\n", c.name, c.description)
	}
	fmt.Fprint(s.out, "\nnamed arguments:\n  -h, --help             show this help message and exit\n")
}

func (s *shell) man(args []string) {
	if len(args) != 1 {
		s.tooFew()
		return
	}
	for _, c := range commandList {
		if c.name == args[0] {
			fmt.Fprintf(s.out, "%s: %s\n\n%s", c.name, c.description, c.usage)
			return
		}
	}
	fmt.Fprintf(s.out, "man: unknown command %s. Type help to get a list of commands.\n", args[0])
}

func (s *shell) printHistory(args []string) {
	n := len(s.history)
	if len(args) > 0 {
		v, err := strconv.Atoi(args[0])
		if err != nil {
			fmt.Fprintf(s.out, "argument numEntriesToShow: could not convert '%s' to Integer (For input string: \"%s\")\n", args[0], args[0])
			return
		}
		n = min(max(v, 0), n)
	}
	for i := len(s.history) - n; i < len(s.history); i++ {
		fmt.Fprintf(s.out, "% 5d  %s\n", i, s.history[i])
	}
}

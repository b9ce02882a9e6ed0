package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Usage writes the option table in the layout of the imitated parser:
// joptsimple's two-column "Option / Description" table sorted by name, or
// argparse's "usage:" line followed by the options in definition order.
func (p *Parser) Usage(w io.Writer) {
	if p.Style == Argparse {
		p.argparseUsage(w)
		return
	}
	p.joptUsage(w)
}

const (
	joptColumn     = 41 // width of the Option column, separator included
	joptDescWidth  = 37
	argparseIndent = 25
	argparseWidth  = 80
)

func (p *Parser) joptUsage(w io.Writer) {
	opts := append([]*Option(nil), p.options...)
	sort.Slice(opts, func(i, j int) bool { return opts[i].Name < opts[j].Name })
	fmt.Fprintf(w, "%-*s%s\n", joptColumn, "Option", "Description")
	fmt.Fprintf(w, "%-*s%s\n", joptColumn, "------", "-----------")
	for _, o := range opts {
		left := wrap(joptLabel(o), joptColumn-3)
		right := wrap(describe(o), joptDescWidth)
		for i := 0; i < len(left) || i < len(right); i++ {
			l, r := "", ""
			if i < len(left) {
				l = left[i]
				if i > 0 {
					l = "  " + l
				}
			}
			if i < len(right) {
				r = right[i]
				if i > 0 {
					r = "  " + r
				}
			}
			fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("%-*s%s", joptColumn, l, r), " "))
		}
	}
}

// joptLabel is "--name, --alias <Type: metavar>" as joptsimple prints it.
func joptLabel(o *Option) string {
	names := make([]string, 0, 1+len(o.Aliases))
	for _, n := range append([]string{o.Name}, o.Aliases...) {
		names = append(names, "--"+n)
	}
	label := strings.Join(names, ", ")
	if o.Kind == Flag {
		return label
	}
	arg := o.Type.javaName()
	if o.Metavar != "" {
		arg += ": " + o.Metavar
	}
	if o.Kind == Optional {
		return label + " [" + arg + "]"
	}
	return label + " <" + arg + ">"
}

func describe(o *Option) string {
	if o.Default == "" {
		return o.Help
	}
	return fmt.Sprintf("%s (default: %s)", o.Help, o.Default)
}

func (p *Parser) shortUsage(w io.Writer) {
	prefix := "usage: " + p.Program + " "
	items := []string{"[-h]"}
	for _, o := range p.options {
		if o.Name == "help" || o.Name == "version" {
			continue
		}
		item := "--" + o.Name + argparseMetavar(o)
		if !o.Required {
			item = "[" + item + "]"
		}
		items = append(items, item)
	}
	// Like argparse, break between options, never inside one.
	line := prefix
	for _, item := range items {
		if len(line) > len(prefix) && len(line)+1+len(item) > argparseWidth {
			fmt.Fprintln(w, strings.TrimRight(line, " "))
			line = strings.Repeat(" ", len(prefix))
		}
		if len(line) > len(prefix) {
			line += " "
		}
		line += item
	}
	fmt.Fprintln(w, line)
}

func argparseMetavar(o *Option) string {
	mv := o.Metavar
	if mv == "" {
		mv = strings.ToUpper(o.Name)
	}
	switch o.Kind {
	case Flag:
		return ""
	case Multi:
		return " " + mv + " [" + mv + " ...]"
	case Optional:
		return " [" + mv + "]"
	}
	return " " + mv
}

func (p *Parser) argparseUsage(w io.Writer) {
	p.shortUsage(w)
	fmt.Fprintln(w)
	for _, line := range wrap(p.Description, argparseWidth) {
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "optional arguments:")
	for _, o := range p.options {
		label := "  --" + o.Name + argparseMetavar(o)
		help := o.Help
		if o.Name == "help" {
			label, help = "  -h, --help", "show this help message and exit"
		}
		if o.Default != "" {
			help += " (default: " + o.Default + ")"
		}
		lines := wrap(help, argparseWidth-argparseIndent)
		if len(label) > argparseIndent-2 || len(lines) == 0 {
			fmt.Fprintln(w, label)
		} else {
			fmt.Fprintf(w, "%-*s%s\n", argparseIndent, label, lines[0])
			lines = lines[1:]
		}
		for _, l := range lines {
			fmt.Fprintf(w, "%*s%s\n", argparseIndent, "", l)
		}
	}
}

// wrap breaks text into lines of at most width characters at spaces; a
// word longer than width gets a line of its own.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

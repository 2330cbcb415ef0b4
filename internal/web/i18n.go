package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

//go:embed i18n/*.json
var catalogFS embed.FS

// catalogs maps language → key → message. Messages may hold one {0}
// placeholder. Translators edit i18n/zh.json and i18n/en.json.
var catalogs = loadCatalogs()

func loadCatalogs() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range []string{"zh", "en"} {
		b, err := catalogFS.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n/%s.json: %v", lang, err))
		}
		out[lang] = m
	}
	return out
}

// T returns the message for key in lang, falling back to Chinese, then to
// the key itself. A {0} in the message is replaced by the first arg.
func T(lang, key string, args ...string) string {
	m, ok := catalogs[lang][key]
	if !ok {
		if m, ok = catalogs["zh"][key]; !ok {
			m = key
			if i := strings.LastIndexByte(key, '.'); i >= 0 {
				m = key[i+1:]
			}
		}
	}
	for i, a := range args {
		m = strings.ReplaceAll(m, "{"+strconv.Itoa(i)+"}", a)
	}
	return m
}

// Keys lists the catalogue keys of lang, for the test that both languages
// say the same things.
func Keys(lang string) []string {
	keys := make([]string, 0, len(catalogs[lang]))
	for k := range catalogs[lang] {
		keys = append(keys, k)
	}
	return keys
}

package sqlstore

import "encoding/json"

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only kesu's own plain data is marshalled here
	}
	return b
}

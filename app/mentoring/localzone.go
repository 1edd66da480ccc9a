package mentoring

import (
	"os"
	"strings"
	"time"

	// The zone database goes into the binary, so event and meeting times
	// convert correctly on systems without one (Windows, minimal images).
	_ "time/tzdata"
)

// LocalZoneName returns the IANA name of this machine's time zone, such as
// "Europe/Lisbon", to store with a time typed on it. Go names the zone it
// reads from /etc/localtime just "Local", which means something different
// on every member's machine, so the name is found where the system keeps
// it: TZ, /etc/timezone, or the target of the /etc/localtime link. It is
// "UTC" when none of them names a zone.
func LocalZoneName() string {
	tz, _ := os.LookupEnv("TZ")
	etc, _ := os.ReadFile("/etc/timezone")
	link, _ := os.Readlink("/etc/localtime")
	return zoneNameFrom(time.Local.String(), tz, string(etc), link)
}

// zoneNameFrom picks the first usable zone name: Go's own name for the
// local zone, then the TZ variable, /etc/timezone's contents, and the path
// /etc/localtime points to.
func zoneNameFrom(local, tz, etcTimezone, localtimeLink string) string {
	for _, name := range []string{local, strings.TrimPrefix(tz, ":"), strings.TrimSpace(etcTimezone), localtimeLink} {
		// TZ and the link may be paths into the zoneinfo folder.
		if i := strings.LastIndex(name, "zoneinfo/"); i >= 0 {
			name = name[i+len("zoneinfo/"):]
		}
		if name == "" || strings.HasPrefix(name, "/") {
			continue
		}
		if _, err := loadZone(name); err == nil {
			return name
		}
	}
	return "UTC"
}

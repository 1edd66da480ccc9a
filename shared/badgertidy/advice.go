package badgertidy

// cacheAdvice are the formats of Badger's (4.9) advice, checked every
// minute, that its block or index cache might be too small.
var cacheAdvice = [...]string{
	"%s might be too small. Metrics: %s\n",
	"Cache life expectancy (in seconds): %+v\n",
}

// CacheAdvice reports whether a warning Badger logs with format is its
// advice to enlarge a cache. Pairwise keeps its caches small on purpose
// (its stores hold many small documents, read mostly as they are
// written), so a store larger than its caches would log it twice a minute
// for each cache: its loggers drop it.
func CacheAdvice(format string) bool {
	for _, f := range cacheAdvice {
		if format == f {
			return true
		}
	}
	return false
}

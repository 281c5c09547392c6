//! Spin's HTTP routing: which component a request path goes to, and what the component is
//! told about the match (`spin-path-info`, `spin-component-route`, …).
//!
//! Spin's router (the `routefinder` crate under Spin's `Router`) orders routes segment by
//! segment, an exact segment before a `:name` parameter before the trailing wildcard, and
//! a route that is a prefix of another first; the first route in that order that matches
//! wins. So an exact route beats a wildcard, the longer wildcard prefix beats the shorter,
//! and `/...` catches what nothing else does. Routes that rank the same keep manifest
//! order. Leading and trailing slashes of the path do not matter for matching (`/foo`
//! matches `/foo/`), but do for `spin-path-info`, which keeps a trailing slash. The same
//! route written twice is served by the later trigger, in the earlier one's place.

/// A route Spin would refuse.
#[derive(Debug, thiserror::Error)]
#[error("route {route:?}: {reason}")]
pub struct RouteError {
    /// The route as written.
    pub route: String,
    /// Why.
    pub reason: String,
}

/// The routes, in match order.
#[derive(Debug, Clone)]
pub struct Router<T> {
    routes: Vec<Route<T>>,
}

#[derive(Debug, Clone)]
struct Route<T> {
    /// As written in the manifest.
    raw: String,
    /// With Spin's base (`/`) applied: the route with one trailing slash removed.
    based: String,
    segments: Vec<Segment>,
    wildcard: bool,
    handler: T,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Exact(String),
    Param(String),
}

/// A route written twice: the earlier trigger's component is never reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The route.
    pub route: String,
}

/// A request path's route.
#[derive(Debug)]
pub struct RouteMatch<'r, T> {
    route: &'r Route<T>,
    path_info: String,
    params: Vec<(&'r str, String)>,
}

impl<T> Router<T> {
    /// The router for `(route, handler)` pairs in manifest order, and the routes written
    /// more than once (the later pair's handler serves them).
    pub fn build(
        entries: impl IntoIterator<Item = (String, T)>,
    ) -> Result<(Self, Vec<Duplicate>), RouteError> {
        let mut routes: Vec<Route<T>> = Vec::new();
        let mut duplicates = Vec::new();
        for (raw, handler) in entries {
            let route = Route::parse(raw, handler)?;
            match routes.iter_mut().find(|r| r.raw == route.raw) {
                Some(earlier) => {
                    duplicates.push(Duplicate {
                        route: route.raw.clone(),
                    });
                    *earlier = route;
                }
                None => routes.push(route),
            }
        }
        // Stable: routes that rank the same keep manifest order.
        routes.sort_by_cached_key(Route::rank);
        Ok((Self { routes }, duplicates))
    }

    /// How many routes there are.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The routes as written and their handlers, in match order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.routes.iter().map(|r| (r.raw.as_str(), &r.handler))
    }

    /// The best route for `path` (no query), if any matches.
    pub fn route(&self, path: &str) -> Option<RouteMatch<'_, T>> {
        let trimmed = path.trim_start_matches('/').trim_end_matches('/');
        let parts: Vec<&str> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').collect()
        };
        self.routes
            .iter()
            .find_map(|route| route.matches(path, &parts))
    }
}

impl<T> Route<T> {
    fn parse(raw: String, handler: T) -> Result<Self, RouteError> {
        let err = |reason: &str| RouteError {
            route: raw.clone(),
            reason: reason.to_owned(),
        };
        // Spin's `sanitize_with_base("/", raw)`: absolute, one trailing slash dropped.
        let absolute = if raw.starts_with('/') {
            raw.clone()
        } else {
            format!("/{raw}")
        };
        let based = absolute.strip_suffix('/').unwrap_or(&absolute).to_owned();
        let (prefix, wildcard) = match based
            .strip_suffix("/...")
            .or_else(|| based.strip_suffix("/*"))
        {
            Some(prefix) => (prefix, true),
            None => (based.as_str(), false),
        };
        let mut segments = Vec::new();
        for part in prefix.split('/').filter(|p| !p.is_empty()) {
            if part == "..." || part.starts_with('*') {
                return Err(err("a wildcard (`...`) may only end a route"));
            }
            match part.strip_prefix(':') {
                Some("") => return Err(err("`:` parameters must be named")),
                Some(name) if name.contains('.') => {
                    return Err(err("a `:name` parameter must be a whole path segment here"));
                }
                Some(name) => segments.push(Segment::Param(name.to_owned())),
                None => segments.push(Segment::Exact(part.to_owned())),
            }
        }
        Ok(Self {
            raw,
            based,
            segments,
            wildcard,
            handler,
        })
    }

    /// The route's place in match order (smaller first), as routefinder compares routes:
    /// element by element over its segments with the slashes between them, an exact
    /// segment before a parameter before the wildcard before a slash; a route that is a
    /// prefix of another goes first.
    fn rank(&self) -> Vec<u8> {
        const EXACT: u8 = 0;
        const PARAM: u8 = 1;
        const WILDCARD: u8 = 2;
        const SLASH: u8 = 3;
        let mut key = Vec::with_capacity(self.segments.len() * 2 + 2);
        for (i, segment) in self.segments.iter().enumerate() {
            if i > 0 {
                key.push(SLASH);
            }
            key.push(match segment {
                Segment::Exact(_) => EXACT,
                Segment::Param(_) => PARAM,
            });
        }
        if self.wildcard {
            if !self.segments.is_empty() {
                key.push(SLASH);
            }
            key.push(WILDCARD);
        }
        key
    }

    fn matches<'r>(&'r self, path: &str, parts: &[&str]) -> Option<RouteMatch<'r, T>> {
        let fixed = self.segments.len();
        if parts.len() < fixed || (!self.wildcard && parts.len() != fixed) {
            return None;
        }
        let mut params = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Exact(text) if text == part => {}
                Segment::Exact(_) => return None,
                Segment::Param(name) => params.push((name.as_str(), (*part).to_owned())),
            }
        }
        let path_info = if self.wildcard {
            // Spin keeps the trailing slash routefinder ignores: `/foo/...` gives `` for
            // `/foo`, `/` for `/foo/`, `/bar` for `/foo/bar` and `/bar/` for `/foo/bar/`.
            let rest = parts[fixed..].join("/");
            match (rest.is_empty(), path.ends_with('/')) {
                (true, false) => String::new(),
                (true, true) => "/".to_owned(),
                (false, false) => format!("/{rest}"),
                (false, true) => format!("/{rest}/"),
            }
        } else {
            String::new()
        };
        Some(RouteMatch {
            route: self,
            path_info,
            params,
        })
    }
}

impl<'r, T> RouteMatch<'r, T> {
    /// What the route leads to.
    pub fn handler(&self) -> &'r T {
        &self.route.handler
    }

    /// The route as written (`spin-raw-component-route`).
    pub fn raw_route(&self) -> &'r str {
        &self.route.raw
    }

    /// The route with the base applied (`spin-matched-route`): one trailing slash dropped,
    /// so `/` gives the empty string, as in Spin.
    pub fn based_route(&self) -> &'r str {
        &self.route.based
    }

    /// The route as written without its trailing `/...` (`spin-component-route`).
    pub fn component_route(&self) -> &'r str {
        self.route
            .raw
            .strip_suffix("/...")
            .unwrap_or(&self.route.raw)
    }

    /// What the trailing wildcard matched (`spin-path-info`); empty for an exact route.
    pub fn path_info(&self) -> &str {
        &self.path_info
    }

    /// The `:name` parameters and what they matched (`spin-path-match-<name>`).
    pub fn params(&self) -> &[(&'r str, String)] {
        &self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &'static str)]) -> Router<&'static str> {
        Router::build(routes.iter().map(|(r, h)| ((*r).to_owned(), *h)))
            .unwrap()
            .0
    }

    fn to(r: &Router<&'static str>, path: &str) -> Option<&'static str> {
        r.route(path).map(|m| *m.handler())
    }

    #[test]
    fn exact_routes() {
        let r = router(&[("/foo", "foo"), ("/foo/bar", "foobar")]);
        assert_eq!(to(&r, "/foo"), Some("foo"));
        assert_eq!(to(&r, "/foo/"), Some("foo"));
        assert_eq!(to(&r, "/foo/bar"), Some("foobar"));
        assert_eq!(to(&r, "/foobar"), None);
        assert_eq!(to(&r, "/foo/bar/baz"), None);
        assert_eq!(to(&r, "/"), None);
    }

    #[test]
    fn the_catch_all_catches_everything() {
        let r = router(&[("/...", "all")]);
        for path in ["/foo/bar", "/abc/", "/", "/this/should/be/captured"] {
            assert_eq!(to(&r, path), Some("all"), "{path}");
        }
    }

    #[test]
    fn an_exact_route_beats_a_wildcard_whatever_the_order() {
        let r = router(&[("/...", "wildcard"), ("/one", "exact")]);
        assert_eq!(to(&r, "/one"), Some("exact"));
        assert_eq!(to(&r, "/two"), Some("wildcard"));
        let r = router(&[("/one/...", "wildcard"), ("/one", "exact")]);
        assert_eq!(to(&r, "/one"), Some("exact"));
        assert_eq!(to(&r, "/one/x"), Some("wildcard"));
    }

    #[test]
    fn the_longest_wildcard_prefix_wins_whatever_the_order() {
        let routes = [
            ("/one/...", "one"),
            ("/one/two/...", "onetwo"),
            ("/one/two/three/...", "onetwothree"),
        ];
        for order in [routes, [routes[2], routes[1], routes[0]]] {
            let r = router(&order);
            assert_eq!(to(&r, "/one/two/three/four"), Some("onetwothree"));
            assert_eq!(to(&r, "/one/two/x"), Some("onetwo"));
            assert_eq!(to(&r, "/one/twofold"), Some("one"));
            assert_eq!(to(&r, "/one"), Some("one"));
        }
    }

    #[test]
    fn the_repository_routes() {
        let r = router(&[
            ("/api/tutorial/...", "edge-tutorials"),
            ("/badges/...", "edge-badges"),
            ("/api/v1/lessons/daily", "edge-content"),
            ("/...", "edge-gateway"),
        ]);
        assert_eq!(to(&r, "/api/tutorial/config"), Some("edge-tutorials"));
        assert_eq!(to(&r, "/api/tutorial"), Some("edge-tutorials"));
        assert_eq!(to(&r, "/api/tutorials"), Some("edge-gateway"));
        assert_eq!(to(&r, "/badges/abc.svg"), Some("edge-badges"));
        assert_eq!(to(&r, "/api/v1/lessons/daily"), Some("edge-content"));
        assert_eq!(to(&r, "/api/v1/lessons/daily/x"), Some("edge-gateway"));
        assert_eq!(to(&r, "/api/v1/lessons"), Some("edge-gateway"));
        assert_eq!(to(&r, "/"), Some("edge-gateway"));
    }

    #[test]
    fn path_info_keeps_the_trailing_slash() {
        let r = router(&[("/test/...", "t")]);
        let info = |p: &str| r.route(p).unwrap().path_info().to_owned();
        assert_eq!(info("/test"), "");
        assert_eq!(info("/test/"), "/");
        assert_eq!(info("/test/hello"), "/hello");
        assert_eq!(info("/test/hello/"), "/hello/");
        let r = router(&[("/...", "all")]);
        assert_eq!(r.route("/1/2/3").unwrap().path_info(), "/1/2/3");
        assert_eq!(r.route("/").unwrap().path_info(), "/");
    }

    #[test]
    fn match_details_are_spins_headers() {
        let r = router(&[("/foo/...", "f"), ("/", "root"), ("/exact", "e")]);
        let m = r.route("/foo/bar").unwrap();
        assert_eq!(m.raw_route(), "/foo/...");
        assert_eq!(m.based_route(), "/foo/...");
        assert_eq!(m.component_route(), "/foo");
        assert_eq!(m.path_info(), "/bar");
        let m = r.route("/").unwrap();
        assert_eq!(*m.handler(), "root");
        assert_eq!(m.based_route(), "");
        assert_eq!(m.component_route(), "/");
        let m = r.route("/exact").unwrap();
        assert_eq!(m.path_info(), "");
        assert_eq!(m.component_route(), "/exact");
    }

    #[test]
    fn named_parameters_rank_below_exact_segments() {
        let r = router(&[
            ("/users/:id", "param"),
            ("/users/me", "me"),
            ("/...", "all"),
        ]);
        assert_eq!(to(&r, "/users/me"), Some("me"));
        let m = r.route("/users/42").unwrap();
        assert_eq!(*m.handler(), "param");
        assert_eq!(m.params(), [("id", "42".to_owned())]);
        let r = router(&[("/1/:two/...", "w")]);
        let m = r.route("/1/2/3").unwrap();
        assert_eq!(m.params(), [("two", "2".to_owned())]);
        assert_eq!(m.path_info(), "/3");
        assert_eq!(m.component_route(), "/1/:two");
    }

    #[test]
    fn a_route_written_twice_goes_to_the_later_trigger() {
        let (r, dups) = Router::build([
            ("/".to_owned(), "root"),
            ("/foo".to_owned(), "first"),
            ("/foo".to_owned(), "second"),
        ])
        .unwrap();
        assert_eq!(
            dups,
            [Duplicate {
                route: "/foo".into()
            }]
        );
        assert_eq!(r.len(), 2);
        assert_eq!(to(&r, "/foo"), Some("second"));
    }

    #[test]
    fn star_is_a_wildcard_too_and_misplaced_wildcards_are_refused() {
        let r = router(&[("/static/*", "s")]);
        assert_eq!(r.route("/static/a/b").unwrap().path_info(), "/a/b");
        assert!(Router::build([("/a/.../b".to_owned(), ())]).is_err());
        assert!(Router::build([("/a/*/b".to_owned(), ())]).is_err());
        assert!(Router::build([("/a/:".to_owned(), ())]).is_err());
    }
}

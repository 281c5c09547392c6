// Who is signed in: the tokens (api/tokens.ts) and the account they belong to (`GET /me`).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, ok, type Schemas } from "../api/client";
import { tokens, type Tokens } from "../api/tokens";
import { forgetOfflineData } from "../learner/offline";

export type Me = Schemas["Me"];
export type Role = Me["user_type"];

interface Session {
  /** The account; `null` when signed out, `undefined` while loading. */
  me: Me | null | undefined;
  signIn(t: Tokens): Promise<void>;
  signOut(): Promise<void>;
  reload(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

/** The signed-in account as last seen, for opening the app offline. */
const ME_KEY = "tessera.me";

function savedMe(): Me | null {
  try {
    return tokens.get() ? (JSON.parse(localStorage.getItem(ME_KEY) ?? "null") as Me | null) : null;
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(tokens.get() ? undefined : null);

  const reload = useCallback(async () => {
    if (!tokens.get()) {
      setMe(null);
      return;
    }
    try {
      const account = await ok(api.GET("/api/v1/me"));
      localStorage.setItem(ME_KEY, JSON.stringify(account));
      setMe(account);
    } catch (e) {
      // Signed out only when the server says the token is no good; offline, the account
      // last seen on this device keeps the session (and the saved lesson) usable.
      if ((e as { status?: number }).status === 401) {
        tokens.clear();
        setMe(null);
      } else {
        setMe((current) => current ?? savedMe());
        throw e;
      }
    }
  }, []);

  useEffect(() => {
    reload().catch(() => undefined);
    return tokens.subscribe((t) => {
      if (!t) setMe(null);
    });
  }, [reload]);

  const value = useMemo<Session>(
    () => ({
      me,
      reload,
      async signIn(t) {
        tokens.set(t);
        await reload();
      },
      async signOut() {
        try {
          await api.POST("/api/v1/auth/logout");
        } catch {
          // Signing out locally matters more than telling the server.
        }
        tokens.clear();
        // The next person on this device must not see this learner's saved lesson.
        forgetOfflineData();
        localStorage.removeItem(ME_KEY);
        setMe(null);
      },
    }),
    [me, reload],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

/** The place each role starts at. */
export function homeOf(role: Role | undefined): string {
  switch (role) {
    case "teacher":
      return "/console/classes";
    case "admin":
    case "super_admin":
      return "/console/ai";
    default:
      return "/learn";
  }
}

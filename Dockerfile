# Turnout's image: the shaded jar on a JRE. Multi-stage, so `docker compose up` (or
# `docker build -t turnout .`) needs nothing but Docker: stage one builds the jar with Maven,
# stage two runs it. Tests are not run here; CI runs them (scripts/test).
FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY engine/pom.xml engine/
COPY admin/pom.xml admin/
# The parent lists bench as a module; its pom must exist for the reactor even though only
# engine and admin are built.
COPY bench/pom.xml bench/
COPY engine/src engine/src
COPY admin/src admin/src
RUN mvn -B -q -pl engine,admin -am -DskipTests package

FROM eclipse-temurin:17-jre
COPY --from=build /src/admin/target/turnout.jar /opt/turnout/turnout.jar
COPY docker/turnout-entrypoint.sh /opt/turnout/turnout-entrypoint.sh
# 1235: the proxy; 9090: the admin API (token required, see the entrypoint).
EXPOSE 1235 9090
ENTRYPOINT ["/opt/turnout/turnout-entrypoint.sh"]

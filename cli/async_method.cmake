# Copies a D-Bus interface XML, marking one method as an asynchronous server method for
# sdbus-c++-xml2cpp (annotation org.freedesktop.DBus.Method.Async = server). The annotation
# changes only how the generated adaptor hands the call to our code, never the wire signature,
# so dbus/*.xml stays the single source of the interface.
#   cmake -DINPUT=in.xml -DOUTPUT=out.xml -DMETHOD=Name -P async_method.cmake
file(READ "${INPUT}" xml)
set(open_tag "<method name=\"${METHOD}\">")
string(FIND "${xml}" "${open_tag}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${INPUT} has no method ${METHOD}")
endif()
string(REPLACE "${open_tag}"
  "${open_tag}\n      <annotation name=\"org.freedesktop.DBus.Method.Async\" value=\"server\"/>"
  xml "${xml}")
file(WRITE "${OUTPUT}" "${xml}")
